"""Losing the broker or the database, said once.

While a server is down every process keeps trying, often every second or two. A log
line (let alone a stack trace) per attempt buries everything else, so each process
keeps one ``OutageTracker`` per service and dependency, shared by its threads: one
WARNING when the dependency is lost (saying what the process does meanwhile), one line a
minute while it stays down, one when it is back. The metrics count the outages and the
seconds spent without the dependency.

The loops (relay, consumer), the web app's error handler and readiness checks report
what happened; ``dependency_of`` tells an outage from any other error (a bug still logs
its stack trace, each time).
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from servicekit import metrics

log = logging.getLogger("servicekit.outage")

REPORT_EVERY_SECONDS = 60.0
BROKER, DATABASE = "broker", "database"
# SQLSTATEs of a server going away or not there yet: class 08 (connection exception),
# admin/crash shutdown, "the database system is starting up / shutting down".
_SERVER_GONE_STATES = ("57P01", "57P02", "57P03")


class OutageTracker:
    """One dependency as one process sees it. Thread-safe; ``ok`` costs one attribute
    read while the dependency is up, so it may be called on every success."""

    def __init__(self, service: str, dependency: str,
                 report_every: float = REPORT_EVERY_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.service = service
        self.dependency = dependency
        self._report_every = report_every
        self._clock = clock
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._counted_until = 0.0  # down seconds already added to the counter
        self._reported_at = 0.0
        self._attempts = 0
        self._up_known = False

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def failed(self, error: BaseException, meanwhile: str) -> None:
        """An attempt to use the dependency failed. ``meanwhile``: what the process does
        until it is back ("retrying every 2 s"), said in the first line and each minute."""
        with self._lock:
            now = self._clock()
            self._attempts += 1
            if self._down_since is None:
                self._down_since = self._counted_until = self._reported_at = now
                self._attempts = 1
                metrics.DEPENDENCY_OUTAGES.labels(self.service, self.dependency).inc()
                metrics.DEPENDENCY_UP.labels(self.service, self.dependency).set(0)
                self._up_known = True
                log.warning("lost the %s: %s", self.dependency, meanwhile,
                            extra=self._fields(error, meanwhile))
                return
            self._count_down_time(now)
            if now - self._reported_at >= self._report_every:
                self._reported_at = now
                log.warning("still without the %s after %.0f s: %s",
                            self.dependency, now - self._down_since, meanwhile,
                            extra={**self._fields(error, meanwhile),
                                   "down_s": round(now - self._down_since, 1),
                                   "attempts": self._attempts})

    def ok(self) -> None:
        """The dependency answered."""
        if self._down_since is None and self._up_known:
            return
        with self._lock:
            if self._down_since is not None:
                now = self._clock()
                self._count_down_time(now)
                down_s = now - self._down_since
                log.info("the %s is back after %.1f s", self.dependency, down_s,
                         extra={"dependency": self.dependency, "down_s": round(down_s, 1),
                                "attempts": self._attempts})
                self._down_since = None
            metrics.DEPENDENCY_UP.labels(self.service, self.dependency).set(1)
            self._up_known = True

    def _count_down_time(self, now: float) -> None:
        metrics.DEPENDENCY_DOWN_SECONDS.labels(self.service, self.dependency).inc(
            max(0.0, now - self._counted_until))
        self._counted_until = now

    def _fields(self, error: BaseException, meanwhile: str) -> dict[str, object]:
        # The error's own words, not its stack: where it was raised says nothing new.
        return {"dependency": self.dependency, "error": f"{type(error).__name__}: {error}"[:500],
                "meanwhile": meanwhile}


_trackers: dict[tuple[str, str], OutageTracker] = {}
_trackers_lock = threading.Lock()


def tracker(service: str, dependency: str) -> OutageTracker:
    """The process's tracker for this service's dependency (one, whatever the threads)."""
    key = (service, dependency)
    found = _trackers.get(key)
    if found is None:
        with _trackers_lock:
            found = _trackers.setdefault(key, OutageTracker(service, dependency))
    return found


def forget_all() -> None:
    """Every tracker of this process dropped (tests: each starts with nothing lost)."""
    with _trackers_lock:
        _trackers.clear()


def retrying(seconds: float) -> str:
    """What a loop that tries again sooner at first, then every ``seconds``, says."""
    return f"retrying at least every {seconds:g} s"


def dependency_of(error: BaseException, sockets_are_the_broker: bool = False) -> str | None:
    """``"broker"`` or ``"database"`` when ``error`` says that server cannot be reached
    (refused, dropped, shutting down); None for anything else. ``sockets_are_the_broker``:
    in a loop that talks only to the database (through SQLAlchemy, which wraps its errors)
    and the broker, a bare socket error can only be the broker's."""
    if _is_database_outage(error):
        return DATABASE
    if _is_broker_outage(error) or (sockets_are_the_broker and isinstance(error, OSError)):
        return BROKER
    return None


def report(service: str, error: BaseException, meanwhile: str,
           sockets_are_the_broker: bool = False) -> bool:
    """Count ``error`` against its dependency if it is an outage; False if it is not."""
    dependency = dependency_of(error, sockets_are_the_broker)
    if dependency is None:
        return False
    tracker(service, dependency).failed(error, meanwhile)
    return True


def _is_database_outage(error: BaseException) -> bool:
    from sqlalchemy.exc import DBAPIError

    cause: BaseException | None = error
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        cause = error.orig
    try:
        import psycopg
    except ImportError:  # pragma: no cover - installed with the kit
        return False
    if not isinstance(cause, (psycopg.OperationalError, psycopg.InterfaceError)):
        return False
    state = getattr(cause, "sqlstate", None)
    # No SQLSTATE: the client lost or never had a connection (refused, reset, closed).
    return state is None or state.startswith("08") or state in _SERVER_GONE_STATES


def _is_broker_outage(error: BaseException) -> bool:
    import amqp.exceptions
    import kombu.exceptions
    import pika.exceptions

    from servicekit.bus.publisher import PublishFailed

    return isinstance(error, (
        PublishFailed,
        pika.exceptions.AMQPConnectionError,  # refused, lost, closed by the broker
        pika.exceptions.ConnectionWrongStateError, pika.exceptions.ChannelWrongStateError,
        kombu.exceptions.OperationalError, amqp.exceptions.ConnectionError,
        amqp.exceptions.RecoverableConnectionError))
