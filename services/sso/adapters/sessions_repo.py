"""Browser sessions and the back-channel logout deliveries their end leaves owing."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.orm import Session

from servicekit.dml import rows_changed
from services.sso.adapters.tables.sessions import browser_sessions, logout_deliveries
from services.sso.domain.sessions import LogoutDelivery, StoredSession

_s = browser_sessions.c


def _session(row: Any) -> StoredSession:
    return StoredSession(**{name: row._mapping[name]
                            for name in StoredSession.__dataclass_fields__})


class SessionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, stored: StoredSession) -> None:
        self.session.execute(insert(browser_sessions).values(
            cookie_hash=stored.cookie_hash, sid=stored.sid, account_id=stored.account_id,
            method=stored.method, county_code=stored.county_code, auth_time=stored.auth_time,
            expires_at=stored.expires_at, ended_at=stored.ended_at))

    def live_by_cookie(self, cookie_hash: str, now: datetime) -> StoredSession | None:
        row = self.session.execute(select(browser_sessions).where(
            _s.cookie_hash == cookie_hash, _s.ended_at.is_(None), _s.expires_at > now)).first()
        return _session(row) if row else None

    def end_by_cookie(self, cookie_hash: str, now: datetime) -> str | None:
        """The sid of the session the cookie named, if it had not ended yet; it ends now."""
        return self.session.scalar(update(browser_sessions).where(
            _s.cookie_hash == cookie_hash, _s.ended_at.is_(None)).values(ended_at=now)
            .returning(_s.sid))

    def end(self, sid: str, now: datetime) -> bool:
        return rows_changed(self.session.execute(update(browser_sessions).where(
            _s.sid == sid, _s.ended_at.is_(None)).values(ended_at=now))) == 1

    def end_all_of(self, account_id: str, now: datetime, keeping_sid: str | None = None) -> None:
        query = update(browser_sessions).where(_s.account_id == account_id,
                                               _s.ended_at.is_(None))
        if keeping_sid is not None:
            query = query.where(_s.sid != keeping_sid)
        self.session.execute(query.values(ended_at=now))

    def end_of_unended(self, sid: str) -> datetime | None:
        """When the session ``sid`` expires, if it has not been ended (it may have expired)."""
        return self.session.scalar(select(_s.expires_at).where(_s.sid == sid,
                                                                _s.ended_at.is_(None)))

    def remove_ended(self, now: datetime, ended_before: datetime) -> int:
        """Sessions over, or ended before ``ended_before`` (tidying)."""
        return rows_changed(self.session.execute(delete(browser_sessions).where(or_(
            browser_sessions.c.expires_at < now, browser_sessions.c.ended_at < ended_before))))


class LogoutDeliveryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, client_id: str, uri: str, subject: str, sid: str | None,
            created_at: datetime) -> int:
        return self.session.execute(insert(logout_deliveries).values(
            client_id=client_id, uri=uri, subject=subject, sid=sid, created_at=created_at,
            attempts=0).returning(logout_deliveries.c.id)).scalar_one()

    def waiting(self, ids: Sequence[int] | None, max_attempts: int,
                limit: int) -> list[LogoutDelivery]:
        """Not sent and not given up on: those of ``ids``, or all when None, oldest first."""
        d = logout_deliveries.c
        query = select(logout_deliveries).where(d.sent_at.is_(None), d.attempts < max_attempts)
        if ids is not None:
            query = query.where(d.id.in_(ids))
        rows = self.session.execute(query.order_by(d.id).limit(limit)).all()
        return [LogoutDelivery(**{name: row._mapping[name]
                                  for name in LogoutDelivery.__dataclass_fields__})
                for row in rows]

    def attempted(self, delivery_id: int, attempts: int, error: str | None,
                  sent_at: datetime | None) -> None:
        self.session.execute(update(logout_deliveries).where(
            logout_deliveries.c.id == delivery_id).values(
            attempts=attempts, last_error=error, sent_at=sent_at))

    def remove_before(self, before: datetime) -> int:
        """Deliveries made before ``before``, sent or given up (tidying)."""
        return rows_changed(self.session.execute(delete(logout_deliveries).where(
            logout_deliveries.c.created_at < before)))
