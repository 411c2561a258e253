"""The outbox relay: the only code that moves events from a service's database to the
broker. Rows are claimed with ``FOR UPDATE SKIP LOCKED`` (so several relays never publish
the same row at once), published as one pipelined batch, and marked sent in the same
transaction only after the broker confirmed all of them. A crash anywhere before that
commit leaves the rows unsent: they go out again, and consumers' inboxes absorb the copy.

On PostgreSQL the running relay keeps two batches in flight: it claims and sends the next
batch while the broker is still confirming the previous one (whose rows it still holds
locked, so the next claim skips them), then commits them in order. Waiting for each
batch's confirms before claiming the next left the broker idle half the time. Batches go
out on one channel in order; if one fails, the one behind it is rolled back too and both
go out again.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Connection, any_, bindparam, cast, delete, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY

from servicekit import context, heartbeat, metrics, outage
from servicekit.bus.publisher import Confirmation, Publisher
from servicekit.bus.tables import outbox
from servicekit.bus.transport import OutgoingMessage
from servicekit.db import Database

log = logging.getLogger("servicekit.relay")


@dataclass
class _InFlight:
    """A claimed batch: its rows locked in an open transaction, sent, not yet confirmed."""
    connection: Connection
    transaction: Any
    positions: list[int]
    confirmation: Confirmation

    def abandon(self) -> None:
        try:
            self.transaction.rollback()
        finally:
            self.connection.close()


class Relay:
    def __init__(self, service: str, database: Database,
                 open_publisher: Callable[[], Publisher], batch_size: int = 500,
                 idle_seconds: float = 0.2, reconnect_seconds: float = 2.0) -> None:
        self.service = service
        self.database = database
        self._open_publisher = open_publisher
        self._publisher: Publisher | None = None
        self.batch_size = batch_size
        self.idle_seconds = idle_seconds
        self.reconnect_seconds = reconnect_seconds

    def run(self, stop: threading.Event) -> None:
        context.bind_service(self.service)
        backoff = 0.5
        next_gauge = 0.0
        in_flight: _InFlight | None = None
        while not stop.is_set():
            heartbeat.beat("relay")  # a turn, even a retry: see servicekit/heartbeat.py
            try:
                if time.monotonic() >= next_gauge:  # the backlog gauge, every few seconds
                    self.backlog()
                    next_gauge = time.monotonic() + 5.0
                if self._overlaps():
                    following = self._send_next()
                    try:
                        moved = self._confirm(in_flight) if in_flight is not None else 0
                    except BaseException:
                        if following is not None:
                            following.abandon()
                        in_flight = None
                        raise
                    in_flight = following
                    if in_flight is not None:
                        backoff = 0.5
                        continue  # keep the broker busy
                else:
                    moved = self.relay_once()
                backoff = 0.5
            except Exception as error:
                in_flight = self._abandon(in_flight)
                self._drop_publisher()
                # A server that is down: said once (servicekit.outage), retried steadily.
                if outage.report(self.service, error, outage.retrying(self.reconnect_seconds),
                                 sockets_are_the_broker=True):
                    # Soon after a blip (a restart is over in a second), then steadily.
                    stop.wait(min(backoff, self.reconnect_seconds))
                    backoff = min(backoff * 2, 10.0)
                    continue
                log.exception("relay step failed")
                stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            if moved < self.batch_size:
                stop.wait(self.idle_seconds)
        self._abandon(in_flight)
        self._drop_publisher()

    def relay_once(self) -> int:
        """Publish one batch of unsent rows; returns how many were confirmed."""
        batch = self._send_next()
        return self._confirm(batch) if batch is not None else 0

    def _overlaps(self) -> bool:
        # SQLite allows one writer: a second open batch would wait for the first for ever.
        return self.database.is_postgres

    def _send_next(self) -> _InFlight | None:
        """Claims the next unsent rows and sends them; None when there are none."""
        connection = self.database.engine.connect()
        transaction = connection.begin()
        try:
            rows = connection.execute(
                select(outbox.c.position, outbox.c.event_id, outbox.c.event_type,
                       outbox.c.correlation_id, outbox.c.body)
                .where(outbox.c.sent_at.is_(None))
                .order_by(outbox.c.position)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            if not rows:
                transaction.rollback()
                connection.close()
                return None
            messages = [OutgoingMessage(routing_key=row.event_type, body=row.body.encode(),
                                        message_id=row.event_id,
                                        correlation_id=row.correlation_id) for row in rows]
            publisher = self._publisher_now()
            confirmation = publisher.start_batch(messages)
        except BaseException:
            try:
                transaction.rollback()
            finally:
                connection.close()
            raise
        return _InFlight(connection, transaction, [row.position for row in rows], confirmation)

    def _confirm(self, batch: _InFlight) -> int:
        """Waits for the broker's confirms, then marks the rows sent and commits."""
        try:
            batch.confirmation.wait()
            self._mark_sent(batch.connection, batch.positions)
            batch.transaction.commit()
        except BaseException:
            batch.abandon()
            raise
        batch.connection.close()
        metrics.EVENTS_PUBLISHED.labels(self.service).inc(len(batch.positions))
        return len(batch.positions)

    @staticmethod
    def _abandon(batch: _InFlight | None) -> None:
        if batch is not None:
            try:
                batch.abandon()
            except Exception:  # a broken connection: its transaction is gone already
                pass
        return None

    def _mark_sent(self, connection: Connection, positions: list[int]) -> None:
        # On PostgreSQL the positions go as one array: an IN of a thousand placeholders
        # cost the relay more CPU to build and parse than the rest of its batch.
        batch = (outbox.c.position == any_(cast(bindparam("positions", positions),
                                                ARRAY(BigInteger)))
                 if connection.dialect.name == "postgresql" else outbox.c.position.in_(positions))
        connection.execute(update(outbox).where(batch).values(sent_at=datetime.now(UTC)))

    def backlog(self) -> int:
        with self.database.engine.connect() as connection:
            count = connection.scalar(select(func.count()).select_from(outbox)
                                      .where(outbox.c.sent_at.is_(None))) or 0
        metrics.OUTBOX_BACKLOG.labels(self.service).set(count)
        return count

    def _publisher_now(self) -> Publisher:
        if self._publisher is None:
            self._publisher = self._open_publisher()
            outage.tracker(self.service, outage.BROKER).ok()
        return self._publisher

    def close(self) -> None:
        self._drop_publisher()

    def _drop_publisher(self) -> None:
        if self._publisher is not None:
            try:
                self._publisher.close()
            finally:
                self._publisher = None


def tidy_outbox(database: Database, keep: timedelta = timedelta(days=7)) -> int:
    """Delete rows the broker confirmed more than ``keep`` ago (a scheduled job)."""
    cutoff = datetime.now(UTC) - keep
    with database.engine.begin() as connection:
        result = connection.execute(delete(outbox).where(outbox.c.sent_at < cutoff))
    return result.rowcount or 0
