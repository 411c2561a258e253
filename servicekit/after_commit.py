"""Work that must wait for a transaction to commit and must not hold up whoever asked
(back-channel logouts, e-mails). A use case writes its rows (the durable record of what
is owed) and names their ids here; once the session's outermost transaction commits,
the ids go to a background thread of the process, one small pool per kind of work so a
slow mail server never delays a logout. What the thread cannot do (a crash, a partner or
a mail server down) stays in the rows for the scheduled housekeeping to retry.

SQLAlchemy runs the commit hooks for savepoints too (the consumer retries a batch one
savepoint per event): a savepoint's end sends and clears nothing. Ids of a savepoint
rolled back are simply not found by the work; a rolled-back transaction leaves nothing.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger("after_commit")

Work = Callable[[list[int]], object]

_COLLECTED = "after_commit_work"
_POOLS: dict[str, ThreadPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()


def run_after_commit(session: Session, kind: str, work: Work, ids: list[int | None]) -> None:
    """``work(ids)`` on a background thread once ``session`` commits; ``kind`` names the
    pool (and the log line when the work fails)."""
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return
    if _COLLECTED not in session.info:
        session.info[_COLLECTED] = {}
        event.listen(session, "after_commit", _start_collected)
        event.listen(session, "after_rollback", _forget_collected)
    session.info[_COLLECTED].setdefault(kind, (work, []))[1].extend(wanted)


def _start_collected(session: Session) -> None:
    if session.in_nested_transaction():
        return
    collected, session.info[_COLLECTED] = session.info.get(_COLLECTED, {}), {}
    for kind, (work, ids) in collected.items():
        _pool(kind).submit(_logged, kind, work, ids)


def _forget_collected(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info[_COLLECTED] = {}


def _pool(kind: str) -> ThreadPoolExecutor:
    with _POOLS_LOCK:
        if kind not in _POOLS:
            _POOLS[kind] = ThreadPoolExecutor(max_workers=2, thread_name_prefix=kind)
        return _POOLS[kind]


def _logged(kind: str, work: Work, ids: list[int]) -> None:
    try:
        work(ids)
    except Exception:  # a thread of its own: nobody else would see it
        log.exception("background work failed; the housekeeping retries it",
                      extra={"kind": kind})
