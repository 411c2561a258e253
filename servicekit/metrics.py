"""Prometheus metrics that stay correct under gunicorn with several workers.

prometheus-client's multiprocess mode is chosen by ``PROMETHEUS_MULTIPROC_DIR`` being
set before the first metric is created; the ``web`` command sets it (a fresh folder) before
gunicorn starts, and the gunicorn config marks dead workers. A process without it (the
embedded runner, a relay, a consumer) uses the ordinary registry.

Two kinds of metric live here besides the technical ones below:

- counters a service increments where a thing happens (``services/<name>/metrics.py``),
  after the commit that makes it true: ``count_after_commit`` holds the increment until
  the session's outermost transaction commits, and forgets it on a rollback;
- figures read when Prometheus scrapes (the outbox's oldest waiting event, the depth of
  the queues), from collectors a process adds with ``scraped_by``: asked at each scrape,
  in the process that answers it, never kept in the multiprocess files.
"""
from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.metrics_core import Metric
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger("servicekit.metrics")

HTTP_REQUESTS = Counter("http_requests_total", "HTTP requests answered",
                        ["service", "method", "route", "status"])
HTTP_LATENCY = Histogram("http_request_duration_seconds", "Time to answer an HTTP request",
                         ["service", "method", "route"])
EVENTS_PUBLISHED = Counter("events_published_total", "Events confirmed by the broker",
                           ["service"])
EVENTS_CONSUMED = Counter("events_consumed_total", "Events taken from a queue, by outcome",
                          ["service", "subscription", "outcome"])
OUTBOX_BACKLOG = Gauge("outbox_backlog", "Outbox rows not yet confirmed by the broker",
                       ["service"], multiprocess_mode="livemax")
# servicekit.outage: the broker or the database lost, as each process sees it.
DEPENDENCY_OUTAGES = Counter("platform_dependency_outages_total",
                             "Times this process lost a server it needs",
                             ["service", "dependency"])
DEPENDENCY_DOWN_SECONDS = Counter("platform_dependency_down_seconds_total",
                                  "Seconds this process spent without a server it needs",
                                  ["service", "dependency"])
# 0 while any live process of the service is without it.
DEPENDENCY_UP = Gauge("platform_dependency_up", "1 while the server answers, 0 while it is lost",
                      ["service", "dependency"], multiprocess_mode="livemin")


class ScrapeCollector(Protocol):
    """What ``scraped_by`` takes: prometheus-client's collector interface. ``describe``
    gives the families it makes (without samples), so their names are known without
    reading anything."""

    def collect(self) -> Iterable[Metric]: ...

    def describe(self) -> Iterable[Metric]: ...


class _Scraped:
    """Every collector added with ``scraped_by``, as one collector: families of the same
    name from several services (the embedded platform runs them all in one process) are
    merged into one, as the exposition format wants."""

    def __init__(self) -> None:
        self._by_key: dict[str, list[ScrapeCollector]] = {}
        self._lock = threading.Lock()

    def set(self, key: str, collectors: list[ScrapeCollector]) -> None:
        with self._lock:
            self._by_key[key] = list(collectors)

    def collectors(self) -> list[ScrapeCollector]:
        with self._lock:
            return [c for collectors in self._by_key.values() for c in collectors]

    def collect(self) -> Iterator[Metric]:
        merged: dict[str, Metric] = {}
        for collector in self.collectors():
            try:
                families = list(collector.collect())
            except Exception:  # a figure that cannot be read now is left out, never the scrape
                log.warning("a scrape-time collector failed", exc_info=True,
                            extra={"collector": type(collector).__name__})
                continue
            for family in families:
                if family.name in merged:
                    merged[family.name].samples.extend(family.samples)
                else:
                    merged[family.name] = family
        yield from merged.values()

    def describe(self) -> list[Metric]:
        return []  # read at each scrape only: registering reads nothing

    def described(self) -> list[Metric]:
        return [family for collector in self.collectors() for family in collector.describe()]


SCRAPED = _Scraped()
REGISTRY.register(SCRAPED)


def scraped_by(key: str, collectors: list[ScrapeCollector]) -> None:
    """Collectors read at each scrape of this process, under ``key`` (a service's name:
    making a service's app again replaces its collectors rather than adding more)."""
    SCRAPED.set(key, collectors)


def render() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(SCRAPED)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST


# -- counting what happened, once it is committed -------------------------------------------
_PENDING = "metrics_after_commit"


def count_after_commit(session: Session, counter: Any, amount: float = 1) -> None:
    """``counter.inc(amount)`` (a labelled child) once ``session``'s outermost transaction
    commits; nothing if it, or the savepoint it was counted in, rolls back."""
    if _PENDING not in session.info:
        session.info[_PENDING] = []
        event.listen(session, "after_commit", _count_committed)
        event.listen(session, "after_soft_rollback", _forget_rolled_back)
    session.info[_PENDING].append((_open_savepoints(session), counter, amount))


def _open_savepoints(session: Session) -> tuple[SessionTransaction, ...]:
    savepoints: list[SessionTransaction] = []
    transaction: SessionTransaction | None = session.get_nested_transaction()
    while transaction is not None and transaction.nested:
        savepoints.append(transaction)
        transaction = transaction.parent
    return tuple(savepoints)


def _count_committed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint's release: the outer transaction may still roll back
    pending, session.info[_PENDING] = session.info.get(_PENDING, []), []
    for _savepoints, counter, amount in pending:
        counter.inc(amount)


def _forget_rolled_back(session: Session, previous: SessionTransaction) -> None:
    if previous.nested:
        session.info[_PENDING] = [item for item in session.info.get(_PENDING, [])
                                  if not any(t is previous for t in item[0])]
    elif previous.parent is None:
        session.info[_PENDING] = []
