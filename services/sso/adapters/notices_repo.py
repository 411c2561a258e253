"""Maintenance notices (R-SSO-6) and their e-mails to each partner, one delivery row per
partner, sent after the commit and retried while they fail (handlers/notices.py)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from services.sso.adapters.tables.notices import maintenance_notices, notice_deliveries


@dataclass(frozen=True)
class Notice:
    notice_id: str
    title: str
    body: str
    starts_at: datetime
    ends_at: datetime
    created_at: datetime
    created_by: str


@dataclass(frozen=True)
class NoticeDelivery:
    delivery_id: int
    notice_id: str
    client_id: str
    recipients: tuple[str, ...]
    attempts: int
    sent_at: datetime | None
    last_error: str | None


class NoticeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, notice: Notice, recipients_by_client: dict[str, tuple[str, ...]]) -> None:
        self.session.execute(insert(maintenance_notices).values(
            notice_id=notice.notice_id, title=notice.title, body=notice.body,
            starts_at=notice.starts_at, ends_at=notice.ends_at, created_at=notice.created_at,
            created_by=notice.created_by))
        if recipients_by_client:
            self.session.execute(insert(notice_deliveries), [
                {"notice_id": notice.notice_id, "client_id": client_id,
                 "recipients": list(recipients), "attempts": 0}
                for client_id, recipients in recipients_by_client.items()])

    def get(self, notice_id: str) -> Notice | None:
        row = self.session.execute(select(maintenance_notices).where(
            maintenance_notices.c.notice_id == notice_id)).first()
        return _notice(row) if row else None

    def newest(self, limit: int) -> list[Notice]:
        rows = self.session.execute(select(maintenance_notices)
                                    .order_by(maintenance_notices.c.created_at.desc())
                                    .limit(limit)).all()
        return [_notice(row) for row in rows]

    def deliveries_of(self, notice_id: str) -> list[NoticeDelivery]:
        rows = self.session.execute(select(notice_deliveries).where(
            notice_deliveries.c.notice_id == notice_id).order_by(notice_deliveries.c.id)).all()
        return [_delivery(row) for row in rows]

    def unsent(self, max_attempts: int) -> list[tuple[NoticeDelivery, Notice]]:
        """Deliveries not yet sent that may be tried again, each with its notice."""
        rows = self.session.execute(
            select(notice_deliveries, maintenance_notices)
            .join(maintenance_notices)
            .where(notice_deliveries.c.sent_at.is_(None),
                   notice_deliveries.c.attempts < max_attempts)
            .order_by(notice_deliveries.c.id)).all()
        return [(_delivery(row), _notice(row)) for row in rows]

    def tried(self, delivery: NoticeDelivery, failure: str | None, at: datetime) -> None:
        """One attempt more; sent at ``at`` unless ``failure`` says why not."""
        self.session.execute(update(notice_deliveries).where(
            notice_deliveries.c.id == delivery.delivery_id).values(
            attempts=delivery.attempts + 1, last_error=failure,
            sent_at=None if failure else at))


def _notice(row: Any) -> Notice:
    """A row of maintenance_notices, alone or joined to its deliveries."""
    return Notice(row.notice_id, row.title, row.body, row.starts_at, row.ends_at,
                  row.created_at, row.created_by)


def _delivery(row: Any) -> NoticeDelivery:
    return NoticeDelivery(row.id, row.notice_id, row.client_id, tuple(row.recipients),
                          row.attempts, row.sent_at, row.last_error)
