"""Watching the services' databases from outside, every 50 ms, to time the bus: when a
process first connects (it is about to claim its first batch) and when a count is reached."""
from __future__ import annotations

import time
from collections.abc import Callable

import psycopg

POLL_SECONDS = 0.05
WATCHER = "bench-watcher"  # our own connections' application_name, left out of the counts


def connect(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True, application_name=WATCHER)


def other_clients(connection: psycopg.Connection, database: str) -> int:
    return connection.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND backend_type = "
        "'client backend' AND application_name <> %s", (database, WATCHER)).fetchone()[0]


def count(connection: psycopg.Connection, sql: str) -> int:
    return connection.execute(sql).fetchone()[0]


def setting(connection: psycopg.Connection, name: str) -> str:
    return connection.execute("SELECT current_setting(%s)", (name,)).fetchone()[0]


def wait_for(condition: Callable[[], bool], what: str, timeout: float,
             check: Callable[[], None] = lambda: None) -> float:
    """Polls until ``condition`` holds; returns the ``time.monotonic()`` it was seen.
    ``check`` raises if a process we depend on died, so a failure does not wait out
    the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return time.monotonic()
        check()
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what} after {timeout:.0f} s")
        time.sleep(POLL_SECONDS)
