"""Idempotent consumers. A batch of deliveries is applied in one transaction: an inbox row
(consumer, event id) goes in with each handler's effects, so an event is applied once
however often it arrives. Acks go out only after the commit, one multiple-ack a batch.

A handler that fails is retried (requeued) until ``delivery_limit`` deliveries, then its
message is parked in the dead-letter queue with the reason; the rest of the batch commits.
A message that is not a valid event of a handled type is parked at once: retrying it
cannot help. So is a forged one: its ``source``, or the broker user that published it,
is not the producer its type names (``check_producer``, ``access.Publishers``).

A handler takes one event, ``(session, data, envelope)``; one marked ``@batched`` takes a
run of consecutive events of its type, ``(session, [(data, envelope), …])``, so it can
apply them in one statement — the difference between hundreds and thousands of events a
second. Either way the order of the queue is kept. ``Consumer.run`` takes and decodes the
next batch while one is applied (two stages: the database's wait overlaps the reading).
"""
from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from servicekit import context, heartbeat, metrics, outage
from servicekit.bus.access import Publishers
from servicekit.bus.readers import QueueReader
from servicekit.bus.tables import inbox
from servicekit.bus.topology import QueueSpec
from servicekit.bus.transport import Delivery
from servicekit.db import Database, RowParameters, insert_rows
from servicekit.events import Catalogue, Envelope, InvalidEvent, check_producer

log = logging.getLogger("servicekit.consumer")

# A handler applies one event's data to the service's own tables, in the given session;
# a batched one applies several (see ``batched``).
Handler = Callable[..., None]


def batched(handler: Callable[[Session, list[tuple[dict[str, Any], Envelope]]], None]) -> Handler:
    """Mark a handler that takes ``(session, [(data, envelope), …])``."""
    handler.batched = True  # type: ignore[attr-defined]  # a mark the consumer reads with getattr
    return handler


@dataclass(frozen=True)
class Subscription:
    queue: QueueSpec
    handlers: Mapping[str, Handler]


@dataclass
class _Decoded:
    delivery: Delivery
    envelope: Envelope
    data: dict[str, Any]


def _runs_of_one_type(items: list[_Decoded]) -> list[list[_Decoded]]:
    runs: list[list[_Decoded]] = []
    for item in items:
        if runs and runs[-1][0].envelope.type == item.envelope.type:
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


@dataclass
class BatchOutcome:
    applied: int = 0
    duplicates: int = 0
    requeued: int = 0
    dead_lettered: int = 0


@dataclass
class _Applied:
    """A batch whose transaction is over, and how to settle its messages."""
    ack: list[Delivery]
    requeue: list[Delivery]
    dead: list[tuple[Delivery, str, int]]
    outcome: BatchOutcome


class _HandlerFailed(Exception):
    pass


@functools.cache
def _claim_statement(dialect: str) -> tuple[ReturningInsert[Any], RowParameters]:
    statement, parameters = insert_rows(dialect, inbox, ("event_id", "event_type"),
                                        shared=("consumer", "applied_at"))
    return statement.on_conflict_do_nothing().returning(inbox.c.event_id), parameters


class Consumer:
    def __init__(self, database: Database, subscription: Subscription, catalogue: Catalogue,
                 delivery_limit: int, publishers: Publishers | None = None) -> None:
        self.database = database
        self.publishers = publishers or Publishers(prefix=None, own_user=None)
        self.subscription = subscription
        self.catalogue = catalogue
        self.delivery_limit = delivery_limit
        self.name = subscription.queue.consumer_name

    def run(self, open_reader: Callable[[], QueueReader], stop: threading.Event,
            batch_size: int = 200, max_wait: float = 0.5, reconnect_seconds: float = 2.0) -> None:
        """Two stages: this thread takes and decodes batch N+1 from the broker while a
        thread of the consumer's own applies batch N in the database (most of a batch's
        time is the database's, waited for without the GIL). A batch is settled (acked,
        requeued, dead-lettered) by this thread, which alone talks to the broker, once its
        transaction has committed, and before the next one is handed over."""
        service = self.subscription.queue.service
        context.bind_service(service)
        backoff = 0.5
        reader: QueueReader | None = None
        with ThreadPoolExecutor(1, thread_name_prefix=f"{self.name}-apply",
                                initializer=context.bind_service, initargs=(service,)) as applier:
            pending: Future[_Applied] | None = None
            while not stop.is_set():
                heartbeat.beat(self.name)  # a turn, idle or retrying too: servicekit/heartbeat.py
                try:
                    if reader is None:
                        if outage.tracker(service, outage.DATABASE).down:
                            # Take no message the database cannot keep: each one taken back
                            # counts a delivery, and the queue dead-letters at the limit.
                            self.database.ping()
                        reader = open_reader()
                        outage.tracker(service, outage.BROKER).ok()
                    # While a batch is being applied, take what has come (no waiting for
                    # more): its settling frees the prefetch window for the rest.
                    batch = reader.next_batch(batch_size, 0 if pending else max_wait)
                    decoded = self._decode(batch) if batch else None
                    if pending is not None:
                        applied, pending = pending.result(), None
                        self._settle(reader, applied)
                    if decoded is not None:
                        pending = applier.submit(self._apply_batch, *decoded)
                    backoff = 0.5
                except Exception as error:
                    pending = self._abandon(pending)
                    if reader is not None:
                        reader.close()
                    reader = None
                    # A server that is down: said once (servicekit.outage), retried steadily.
                    if outage.report(service, error, outage.retrying(reconnect_seconds),
                                     sockets_are_the_broker=True):
                        # Soon after a blip (a restart is over in a second), then steadily.
                        stop.wait(min(backoff, reconnect_seconds))
                        backoff = min(backoff * 2, 10.0)
                        continue
                    log.exception("consumer step failed", extra={"consumer": self.name})
                    stop.wait(backoff)
                    backoff = min(backoff * 2, 10.0)
            if pending is not None and reader is not None:
                try:  # stopping: the batch being applied is settled, not taken back
                    self._settle(reader, pending.result())
                except Exception:
                    log.exception("consumer step failed", extra={"consumer": self.name})
        if reader is not None:
            reader.close()

    @staticmethod
    def _abandon(pending: Future[_Applied] | None) -> None:
        """After a failure, wait for the batch being applied: its messages go back to the
        queue with the connection (a committed one then counts as a duplicate)."""
        if pending is not None:
            try:
                pending.result()
            except Exception:  # reported by the step that failed, or again on its retry
                pass

    def process(self, reader: QueueReader, deliveries: list[Delivery]) -> BatchOutcome:
        """One batch, decoded, applied and settled in turn."""
        return self._settle(reader, self._apply_batch(*self._decode(deliveries)))

    def _apply_batch(self, decoded: list[_Decoded], dead: list[tuple[Delivery, str, int]]
                     ) -> _Applied:
        try:
            applied, duplicates, failed = self._apply(decoded, isolate=False)
        except _HandlerFailed:
            # Some handler failed: do the batch again, each event behind its own savepoint,
            # so the good ones commit and only the failing ones go back.
            applied, duplicates, failed = self._apply(decoded, isolate=True)
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
        return _Applied([i.delivery for i in applied + duplicates], requeue, dead,
                        BatchOutcome(len(applied), len(duplicates), len(requeue), len(dead)))

    def _settle(self, reader: QueueReader, applied: _Applied) -> BatchOutcome:
        reader.settle(ack=applied.ack, requeue=applied.requeue, dead=applied.dead)
        self._count(applied.outcome)
        return applied.outcome

    def _decode(self, deliveries: list[Delivery]) -> tuple[list[_Decoded], list[tuple[Delivery, str, int]]]:
        decoded, dead = [], []
        for delivery in deliveries:
            try:
                envelope = Envelope.from_json(delivery.body)
                self._check_origin(envelope, delivery)
                if envelope.type not in self.subscription.handlers:
                    raise InvalidEvent(f"{self.name} has no handler for {envelope.type}")
                decoded.append(_Decoded(delivery, envelope, self.catalogue.load_data(envelope)))
            except InvalidEvent as error:
                dead.append((delivery, f"InvalidEvent: {error}", delivery.previous_deliveries + 1))
        return decoded, dead

    def _check_origin(self, envelope: Envelope, delivery: Delivery) -> None:
        """Raises ForgedEvent for an event that is not its producer's."""
        check_producer(envelope)
        self.publishers.check(envelope.type, delivery.properties.get("user_id"), delivery.headers)

    def _apply(self, items: list[_Decoded], isolate: bool
               ) -> tuple[list[_Decoded], list[_Decoded], list[tuple[_Decoded, Exception]]]:
        applied: list[_Decoded] = []
        duplicates: list[_Decoded] = []
        failed: list[tuple[_Decoded, Exception]] = []
        with self.database.session() as session:
            if not isolate:
                new = self._claim(session, items)
                fresh = []
                for item in items:  # a copy inside the same batch is a duplicate too
                    if item.envelope.id in new:
                        new.discard(item.envelope.id)
                        fresh.append(item)
                    else:
                        duplicates.append(item)
                for run in _runs_of_one_type(fresh):
                    self._handle(session, run)  # a failure rolls the whole batch back
                return fresh, duplicates, failed
            for item in items:
                # One event at a time, its inbox claim inside its own savepoint.
                savepoint = session.begin_nested()
                if not self._claim(session, [item]):
                    savepoint.commit()
                    duplicates.append(item)
                    continue
                try:
                    self._handle(session, [item])
                    savepoint.commit()
                    applied.append(item)
                except _HandlerFailed as failure:
                    savepoint.rollback()
                    # _handle wraps only an Exception: KeyboardInterrupt, SystemExit pass by.
                    cause = failure.__cause__
                    failed.append((item, cause if isinstance(cause, Exception) else failure))
        return applied, duplicates, failed

    def _claim(self, session: Session, items: list[_Decoded]) -> set[str]:
        """Insert the inbox rows; the ids that went in are the events not yet applied. One
        statement, using the primary key, however large the inbox has grown; a concurrent
        consumer's uncommitted claim makes this wait, then count as a duplicate."""
        if not items:
            return set()
        unique = {item.envelope.id: item for item in items}  # a batch may hold a copy twice
        statement, parameters = _claim_statement(session.get_bind().dialect.name)
        rows = session.execute(statement, parameters(
            [{"event_id": event_id, "event_type": item.envelope.type}
             for event_id, item in unique.items()],
            consumer=self.name, applied_at=datetime.now(UTC)))
        return set(rows.scalars())

    def _handle(self, session: Session, run: list[_Decoded]) -> None:
        handler = self.subscription.handlers[run[0].envelope.type]
        try:
            if getattr(handler, "batched", False):
                with context.correlation(run[0].envelope.correlation_id):
                    handler(session, [(item.data, item.envelope) for item in run])
                return
            for item in run:
                with context.correlation(item.envelope.correlation_id):
                    handler(session, item.data, item.envelope)
        except Exception as error:
            raise _HandlerFailed from error

    def _count(self, outcome: BatchOutcome) -> None:
        service, subscription = self.subscription.queue.service, self.subscription.queue.subscription
        for label, value in (("applied", outcome.applied), ("duplicate", outcome.duplicates),
                             ("requeued", outcome.requeued), ("dead_lettered", outcome.dead_lettered)):
            if value:
                metrics.EVENTS_CONSUMED.labels(service, subscription, label).inc(value)
