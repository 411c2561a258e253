"""Idempotent consumers. A batch of deliveries is applied in one transaction: an inbox row
(consumer, event id) goes in with each handler's effects, so an event is applied once
however often it arrives. Acks go out only after the commit, one multiple-ack a batch.

A handler that fails is retried (requeued) until ``delivery_limit`` deliveries, then its
message is parked in the dead-letter queue with the reason; the rest of the batch commits.
A message that is not a valid event of a handled type is parked at once: retrying it
cannot help.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from servicekit import context, metrics
from servicekit.bus.tables import inbox
from servicekit.bus.topology import QueueSpec
from servicekit.bus.transport import Delivery, QueueReader
from servicekit.db import Database
from servicekit.events import Catalogue, Envelope, InvalidEvent

log = logging.getLogger("servicekit.consumer")

# A handler applies one event's data to the service's own tables, in the given session.
Handler = Callable[[Session, dict[str, Any], Envelope], None]


@dataclass(frozen=True)
class Subscription:
    queue: QueueSpec
    handlers: Mapping[str, Handler]


@dataclass
class _Decoded:
    delivery: Delivery
    envelope: Envelope
    data: dict[str, Any]


@dataclass
class BatchOutcome:
    applied: int = 0
    duplicates: int = 0
    requeued: int = 0
    dead_lettered: int = 0


class _HandlerFailed(Exception):
    pass


class Consumer:
    def __init__(self, database: Database, subscription: Subscription, catalogue: Catalogue,
                 delivery_limit: int) -> None:
        self.database = database
        self.subscription = subscription
        self.catalogue = catalogue
        self.delivery_limit = delivery_limit
        self.name = subscription.queue.consumer_name

    def run(self, open_reader: Callable[[], QueueReader], stop: threading.Event,
            batch_size: int = 200, max_wait: float = 0.5) -> None:
        context.bind_service(self.subscription.queue.service)
        backoff = 0.5
        reader: QueueReader | None = None
        while not stop.is_set():
            try:
                if reader is None:
                    reader = open_reader()
                batch = reader.next_batch(batch_size, max_wait)
                if batch:
                    self.process(reader, batch)
                backoff = 0.5
            except Exception:
                log.exception("consumer step failed", extra={"consumer": self.name})
                if reader is not None:
                    reader.close()
                reader = None
                stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)
        if reader is not None:
            reader.close()

    def process(self, reader: QueueReader, deliveries: list[Delivery]) -> BatchOutcome:
        decoded, dead = self._decode(deliveries)
        try:
            applied, duplicates, failed = self._apply(decoded, isolate=False)
        except _HandlerFailed:
            # Some handler failed: do the batch again, each event behind its own savepoint,
            # so the good ones commit and only the failing ones go back.
            applied, duplicates, failed = self._apply(decoded, isolate=True)
        except IntegrityError:
            # Another instance applied one of these meanwhile: give all back; on redelivery
            # the inbox tells which are done.
            reader.settle(ack=[], requeue=deliveries, dead=[])
            return BatchOutcome(requeued=len(deliveries))
        requeue = []
        for item, error in failed:
            attempts = item.delivery.previous_deliveries + 1
            reason = f"{type(error).__name__}: {error}"
            if attempts >= self.delivery_limit:
                dead.append((item.delivery, reason, attempts))
                log.error("event dead-lettered", extra={"consumer": self.name,
                          "event_id": item.envelope.id, "reason": reason, "attempts": attempts})
            else:
                requeue.append(item.delivery)
                log.warning("event failed, will retry", extra={"consumer": self.name,
                            "event_id": item.envelope.id, "reason": reason, "attempts": attempts})
        reader.settle(ack=[i.delivery for i in applied + duplicates], requeue=requeue, dead=dead)
        outcome = BatchOutcome(len(applied), len(duplicates), len(requeue), len(dead))
        self._count(outcome)
        return outcome

    def _decode(self, deliveries: list[Delivery]) -> tuple[list[_Decoded], list[tuple[Delivery, str, int]]]:
        decoded, dead = [], []
        for delivery in deliveries:
            try:
                envelope = Envelope.from_json(delivery.body)
                if envelope.type not in self.subscription.handlers:
                    raise InvalidEvent(f"{self.name} has no handler for {envelope.type}")
                decoded.append(_Decoded(delivery, envelope, self.catalogue.load_data(envelope)))
            except InvalidEvent as error:
                dead.append((delivery, f"InvalidEvent: {error}", delivery.previous_deliveries + 1))
        return decoded, dead

    def _apply(self, items: list[_Decoded], isolate: bool):  # type: ignore[no-untyped-def]
        applied: list[_Decoded] = []
        duplicates: list[_Decoded] = []
        failed: list[tuple[_Decoded, Exception]] = []
        with self.database.session() as session:
            done = self._already_applied(session, [item.envelope.id for item in items])
            for item in items:
                if item.envelope.id in done:
                    duplicates.append(item)
                    continue
                done.add(item.envelope.id)
                try:
                    self._handle(session, item, isolate)
                    applied.append(item)
                except _HandlerFailed as failure:
                    if not isolate:
                        raise  # rolls the whole batch back; process() retries it isolated
                    failed.append((item, failure.__cause__ or failure))
            if applied:
                now = datetime.now(timezone.utc)
                session.execute(insert(inbox), [
                    {"consumer": self.name, "event_id": item.envelope.id,
                     "event_type": item.envelope.type, "applied_at": now} for item in applied])
        return applied, duplicates, failed

    def _handle(self, session: Session, item: _Decoded, isolate: bool) -> None:
        handler = self.subscription.handlers[item.envelope.type]
        with context.correlation(item.envelope.correlation_id):
            if not isolate:
                try:
                    handler(session, item.data, item.envelope)
                except Exception as error:
                    raise _HandlerFailed() from error
                return
            savepoint = session.begin_nested()
            try:
                handler(session, item.data, item.envelope)
                savepoint.commit()
            except Exception as error:
                savepoint.rollback()
                raise _HandlerFailed() from error

    def _already_applied(self, session: Session, event_ids: list[str]) -> set[str]:
        if not event_ids:
            return set()
        return set(session.scalars(select(inbox.c.event_id).where(
            inbox.c.consumer == self.name, inbox.c.event_id.in_(event_ids))))

    def _count(self, outcome: BatchOutcome) -> None:
        service, subscription = self.subscription.queue.service, self.subscription.queue.subscription
        for label, value in (("applied", outcome.applied), ("duplicate", outcome.duplicates),
                             ("requeued", outcome.requeued), ("dead_lettered", outcome.dead_lettered)):
            if value:
                metrics.EVENTS_CONSUMED.labels(service, subscription, label).inc(value)
