"""Heartbeats of the long-running loops (relay, consumers), for a liveness probe
(``python -m servicekit.liveness``): a process that is running but stuck — a call that
never returns, a thread that died — is restarted by Kubernetes or compose, where a web
process's ``/healthz`` would not notice.

Each loop calls ``beat(name)`` once per turn. The file named by the ``HEARTBEAT_FILE``
setting then carries, as its modification time, the last turn of the loop that turned
least recently: one stuck consumer thread among several makes the file age.

A turn counts whether its step succeeded or failed and is being retried as designed: a
relay waiting for a broker that is down keeps beating. Restarting it would not bring the
broker back, and its own retry reconnects as soon as the broker returns; the outage is
for the alerts and logs to tell (docs/operations.md). Idle counts too: "I looked and there
was nothing" is a turn. What stops the beat is a loop that no longer turns.

Without ``HEARTBEAT_FILE`` (the embedded default, ``make up``) beats are kept in memory
only.
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

# Writes at most this often: a loop turns every fraction of a second.
WRITE_EVERY_SECONDS = 1.0


class Heartbeat:
    def __init__(self, path: str | Path | None = None,
                 write_every: float = WRITE_EVERY_SECONDS) -> None:
        self.path = Path(path) if path else None
        self.write_every = write_every
        self._last: dict[str, float] = {}
        self._written = 0.0
        self._lock = threading.Lock()
        if self.path is not None:  # starting counts as alive; an old file from before does not
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.touch()

    def beat(self, loop: str) -> None:
        now = time.time()
        with self._lock:
            self._last[loop] = now
            if self.path is None or now - self._written < self.write_every:
                return
            self._written = now
            oldest = min(self._last.values())
        os.utime(self.path, (oldest, oldest))


_process = Heartbeat()


def configure(path: str | Path | None) -> Heartbeat:
    """The process's heartbeat, writing to ``path`` (the ``HEARTBEAT_FILE`` setting)."""
    global _process  # noqa: PLW0603 -- one heartbeat per process, set at start-up
    _process = Heartbeat(path)
    return _process


def beat(loop: str) -> None:
    """One turn of ``loop``: called once per iteration of each long-running loop."""
    _process.beat(loop)
