"""Figures of the bus read when Prometheus scrapes a service's web process
(``servicekit.metrics.scraped_by``; the web app adds them, servicekit.web):

- ``inservice_outbox_oldest_age_seconds``: how long the oldest event not yet confirmed by
  the broker has waited in the service's outbox (0 when none waits). One indexed row
  (``ix_outbox_unsent``), read from the web process, so it keeps growing when the relay
  itself is dead and says nothing.
- ``inservice_queue_messages_ready``, ``inservice_queue_consumers``,
  ``inservice_dead_letters``: per queue of the service's subscriptions, what waits in it,
  how many consumers read it, and what waits in its dead-letter queue — from the
  broker's passive ``queue.declare`` (which changes nothing), on a connection of its own
  with short time-outs, read at most every ``ttl`` seconds per process: Prometheus
  scraping every few seconds, and each gunicorn worker answering in turn, cost the broker
  one small connection per worker and ``ttl``. Also read from the web process, not the
  consumer: a consumer that is down cannot report that its queue fills.

A figure that cannot be read (the database or the broker away) is left out of that
scrape: an absent series, never a stale or a made-up one. The outage is said once, by the
same tracker as the process's other loops and its readiness (servicekit.outage).
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import kombu
import pika
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import select

from servicekit import outage
from servicekit.bus.tables import outbox
from servicekit.bus.topology import QueueSpec, dead_letter_queue
from servicekit.db import Database

log = logging.getLogger("servicekit.bus.monitoring")

OUTBOX_AGE = "inservice_outbox_oldest_age_seconds"
QUEUE_READY = "inservice_queue_messages_ready"
QUEUE_CONSUMERS = "inservice_queue_consumers"
DEAD_LETTERS = "inservice_dead_letters"


class OutboxAge:
    def __init__(self, service: str, database: Database,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.service = service
        self.database = database
        self._now = now

    def describe(self) -> list[GaugeMetricFamily]:
        return [self._family()]

    def _family(self) -> GaugeMetricFamily:
        return GaugeMetricFamily(
            OUTBOX_AGE, "Seconds the oldest event not yet confirmed by the broker has waited "
            "in the service's outbox (0: none waits)", labels=["service"])

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            with self.database.engine.connect() as connection:
                oldest = connection.scalar(
                    select(outbox.c.recorded_at).where(outbox.c.sent_at.is_(None))
                    .order_by(outbox.c.position).limit(1))
        except Exception as error:
            # The database away: said once (servicekit.outage), the figure left out.
            if outage.report(self.service, error, "leaving the outbox age out of /metrics"):
                return
            if _no_outbox_table(error):
                # Not migrated yet (or a database made for something else): no outbox, no
                # age to tell; readiness says what is wrong, not a trace at every scrape.
                log.debug("no outbox table: the outbox age is left out",
                          extra={"service": self.service})
                return
            raise
        outage.tracker(self.service, outage.DATABASE).ok()
        family = self._family()
        age = 0.0 if oldest is None else max(0.0, (self._now() - oldest).total_seconds())
        family.add_metric([self.service], age)
        yield family


@dataclass(frozen=True)
class QueueDepth:
    ready: int
    consumers: int | None  # None: the transport cannot tell (the in-process one)


class QueueDepths:
    """``queues`` is called at the first scrape (a service's subscriptions are built then,
    not when its app is made)."""

    def __init__(self, service: str, broker_url: str, queues: Callable[[], list[QueueSpec]],
                 ttl: float = 15.0, timeout: float = 2.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.service = service
        self.broker_url = broker_url
        self._queues = queues
        self.ttl = ttl
        self.timeout = timeout
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._read_at: float | None = None
        self._depths: dict[str, QueueDepth] = {}

    def describe(self) -> list[GaugeMetricFamily]:
        return list(self._families().values())

    @staticmethod
    def _families() -> dict[str, GaugeMetricFamily]:
        return {
            QUEUE_READY: GaugeMetricFamily(
                QUEUE_READY, "Messages ready in a subscription's queue, not yet taken by a "
                "consumer (the consumer's lag)", labels=["service", "queue"]),
            QUEUE_CONSUMERS: GaugeMetricFamily(
                QUEUE_CONSUMERS, "Consumers reading a subscription's queue",
                labels=["service", "queue"]),
            DEAD_LETTERS: GaugeMetricFamily(
                DEAD_LETTERS, "Events parked in a subscription's dead-letter queue, waiting "
                "to be read and replayed", labels=["service", "queue"]),
        }

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depths = self.depths()
        families = self._families()
        for spec in self._queues():
            queue = depths.get(spec.name)
            letters = depths.get(dead_letter_queue(spec.name))
            if queue is not None:
                families[QUEUE_READY].add_metric([self.service, spec.name], queue.ready)
                if queue.consumers is not None:
                    families[QUEUE_CONSUMERS].add_metric([self.service, spec.name],
                                                          queue.consumers)
            if letters is not None:
                families[DEAD_LETTERS].add_metric([self.service, spec.name], letters.ready)
        yield from families.values()

    def depths(self) -> dict[str, QueueDepth]:
        """The cached reading, refreshed once ``ttl`` has passed. While one thread reads
        the broker, the others answer with the reading before (or nothing, the first
        time): a slow broker never holds up more than one scrape."""
        if not self._lock.acquire(blocking=False):
            return self._depths
        try:
            now = self._monotonic()
            if self._read_at is None or now - self._read_at >= self.ttl:
                self._read_at = now
                try:
                    self._depths = self._read()
                except Exception as error:  # no figure rather than an old one
                    self._depths = {}
                    # The broker away: said once (servicekit.outage), as readiness says it.
                    if not outage.report(self.service, error, "leaving the queue figures "
                                         "out of /metrics", sockets_are_the_broker=True):
                        log.warning("queue figures unreadable", exc_info=True,
                                    extra={"service": self.service})
                else:
                    if self.broker_url.startswith(("amqp://", "amqps://")):
                        outage.tracker(self.service, outage.BROKER).ok()
            return self._depths
        finally:
            self._lock.release()

    def _read(self) -> dict[str, QueueDepth]:
        names = [name for spec in self._queues()
                 for name in (spec.name, dead_letter_queue(spec.name))]
        if not names:
            return {}
        if self.broker_url.startswith(("amqp://", "amqps://")):
            return self._read_amqp(names)
        return self._read_in_process(names)

    def _read_amqp(self, names: list[str]) -> dict[str, QueueDepth]:
        parameters = pika.URLParameters(self.broker_url)
        parameters.socket_timeout = self.timeout
        parameters.stack_timeout = self.timeout * 2
        parameters.blocked_connection_timeout = self.timeout
        parameters.connection_attempts = 1
        parameters.heartbeat = 0
        connection = pika.BlockingConnection(parameters)
        depths: dict[str, QueueDepth] = {}
        try:
            channel = connection.channel()
            for name in names:
                try:
                    declared = channel.queue_declare(name, passive=True)
                except pika.exceptions.ChannelClosedByBroker:  # not declared yet (404)
                    channel = connection.channel()
                    continue
                depths[name] = QueueDepth(declared.method.message_count,
                                          declared.method.consumer_count)
        finally:
            connection.close()
        return depths

    def _read_in_process(self, names: list[str]) -> dict[str, QueueDepth]:
        depths: dict[str, QueueDepth] = {}
        with kombu.Connection(self.broker_url) as connection:
            channel = connection.channel()
            try:
                for name in names:
                    try:
                        _, ready, _ = channel.queue_declare(queue=name, passive=True)
                    except connection.channel_errors:
                        continue
                    depths[name] = QueueDepth(ready, None)
            finally:
                channel.close()
        return depths


def _no_outbox_table(error: Exception) -> bool:
    """SQLite's ``no such table`` and PostgreSQL's undefined_table (42P01)."""
    original = getattr(error, "orig", None)
    return getattr(original, "sqlstate", None) == "42P01" or "no such table" in str(original)
