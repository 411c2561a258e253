"""The outbox relay: the only code that moves events from a service's database to the
broker. Rows are claimed with ``FOR UPDATE SKIP LOCKED`` (so several relays never publish
the same row at once), published as one pipelined batch, and marked sent in the same
transaction only after the broker confirmed all of them. A crash anywhere before that
commit leaves the rows unsent: they go out again, and consumers' inboxes absorb the copy.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Callable

from sqlalchemy import Connection, delete, func, select, update

from servicekit import context, metrics, outage
from servicekit.bus.publisher import Publisher
from servicekit.bus.tables import outbox
from servicekit.bus.transport import OutgoingMessage
from servicekit.db import Database

log = logging.getLogger("servicekit.relay")


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
        while not stop.is_set():
            try:
                if time.monotonic() >= next_gauge:  # the backlog gauge, every few seconds
                    self.backlog()
                    next_gauge = time.monotonic() + 5.0
                moved = self.relay_once()
                backoff = 0.5
            except Exception as error:
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
        self._drop_publisher()

    def relay_once(self) -> int:
        """Publish one batch of unsent rows; returns how many were confirmed."""
        with self.database.engine.begin() as connection:
            rows = connection.execute(
                select(outbox.c.position, outbox.c.event_id, outbox.c.event_type,
                       outbox.c.correlation_id, outbox.c.body)
                .where(outbox.c.sent_at.is_(None))
                .order_by(outbox.c.position)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            if not rows:
                return 0
            self._publisher_now().publish_batch([
                OutgoingMessage(routing_key=row.event_type, body=row.body.encode(),
                                message_id=row.event_id, correlation_id=row.correlation_id)
                for row in rows])
            self._mark_sent(connection, [row.position for row in rows])
        metrics.EVENTS_PUBLISHED.labels(self.service).inc(len(rows))
        return len(rows)

    def _mark_sent(self, connection: Connection, positions: list[int]) -> None:
        connection.execute(update(outbox).where(outbox.c.position.in_(positions))
                           .values(sent_at=datetime.now(timezone.utc)))

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
    cutoff = datetime.now(timezone.utc) - keep
    with database.engine.begin() as connection:
        result = connection.execute(delete(outbox).where(outbox.c.sent_at < cutoff))
    return result.rowcount or 0
