"""Brute-force lockout with atomic counters (R-SSO-7).

An attempt first *reserves* its place: one conditional ``UPDATE … RETURNING`` adds it to
the counter only while the login is under its limit and not locked. Only an attempt that
got a place checks the password, so twenty attempts sent at once against a limit of five
check five passwords and refuse fifteen — no read-then-write window to slip through.
Counters are kept per login name whether or not an account has it: the locked answer
tells nothing about which names exist. An attempt may take places in several counters at
once (the name typed and the account it names): it gets all of them or none.

A lock lasts its full time: only ``locked_until`` passing lifts it, whenever the counting
window started; an unlocked counter starts afresh once its window is over.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, case, delete, or_, update
from sqlalchemy.dialects import postgresql, sqlite

from servicekit.clock import Clock, SystemClock
from servicekit.db import Database
from servicekit.dml import rows_changed
from services.sso.adapters.tables.sign_ins import login_throttle


class Throttle:
    def __init__(self, database: Database, max_attempts: int, window_seconds: int,
                 lock_seconds: int, clock: Clock | None = None) -> None:
        self._database = database
        self._max = max_attempts
        self._window = timedelta(seconds=window_seconds)
        self._lock = timedelta(seconds=lock_seconds)
        self._clock: Clock = clock or SystemClock()

    @property
    def lock_seconds(self) -> int:
        """How long a lock lasts: when an attempt refused may be tried again."""
        return int(self._lock.total_seconds())

    def reserve(self, *keys: str) -> bool:
        """True when this attempt may check the credentials: it got a place in every
        counter of ``keys``. When one of them refuses, none of the others is taken."""
        now = self._clock.now()
        t = login_throttle.c
        expired_lock = and_(t.locked_until.is_not(None), t.locked_until <= now)
        fresh = or_(expired_lock,
                    and_(t.locked_until.is_(None), t.window_started_at <= now - self._window))
        dialect = postgresql if self._database.is_postgres else sqlite
        try:
            with self._database.session() as session:
                for key in keys:
                    session.execute(dialect.insert(login_throttle)
                                    .values(login_key=key, attempts=0, window_started_at=now)
                                    .on_conflict_do_nothing(index_elements=["login_key"]))
                    taken = session.execute(
                        update(login_throttle)
                        .where(t.login_key == key,
                               or_(fresh, and_(t.locked_until.is_(None), t.attempts < self._max)))
                        .values(attempts=case((fresh, 1), else_=t.attempts + 1),
                                window_started_at=case((fresh, now), else_=t.window_started_at),
                                locked_until=case((fresh, None), else_=t.locked_until))
                        .returning(t.attempts)).scalar()
                    if taken is None:
                        raise _Refused
        except _Refused:
            return False
        return True

    def failed(self, *keys: str) -> None:
        now = self._clock.now()
        t = login_throttle.c
        with self._database.session() as session:
            session.execute(update(login_throttle).where(
                t.login_key.in_(keys), t.attempts >= self._max, t.locked_until.is_(None))
                .values(locked_until=now + self._lock))

    def succeeded(self, *keys: str) -> None:
        with self._database.session() as session:
            session.execute(update(login_throttle).where(login_throttle.c.login_key.in_(keys))
                            .values(attempts=0, locked_until=None))

    def release(self, *keys: str) -> None:
        """Gives reserved places back: the attempt was never judged (the county's service
        was down), so it must not count towards the lockout."""
        t = login_throttle.c
        with self._database.session() as session:
            session.execute(update(login_throttle).where(t.login_key.in_(keys), t.attempts > 0)
                            .values(attempts=t.attempts - 1))

    def remove_idle(self, idle_since: datetime) -> int:
        """Counters untouched since ``idle_since`` that hold no lock still running."""
        now = self._clock.now()
        t = login_throttle.c
        with self._database.session() as session:
            return rows_changed(session.execute(delete(login_throttle).where(
                t.window_started_at < idle_since,
                or_(t.locked_until.is_(None), t.locked_until < now))))


class _Refused(Exception):
    """One counter refused: the transaction rolls back the places already taken."""
