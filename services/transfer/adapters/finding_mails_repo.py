"""The findings' mails (``finding_mails``): one row per finding, written with it, sent
after the commit and marked done; what waits is read with its source's contact."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from servicekit.db import insert_for
from servicekit.dml import rows_changed
from services.transfer.adapters.tables import finding_mails, sources


class FindingMails:
    def __init__(self, session: Session) -> None:
        self.session = session

    def queue(self, source: str, finding: str, key: str, subject: str, body: str,
              at: datetime) -> bool:
        """False when the finding has its mail already (sent or waiting)."""
        statement = insert_for(self.session.get_bind().dialect.name, finding_mails).values(
            source=source, finding=finding, finding_key=key, subject=subject, body=body,
            attempts=0, created_at=at).on_conflict_do_nothing()
        return rows_changed(self.session.execute(statement)) == 1

    def waiting(self, max_attempts: int, limit: int) -> list[dict[str, Any]]:
        m = finding_mails.c
        rows = self.session.execute(
            select(m.source, m.finding, m.finding_key, m.subject, m.body, m.attempts,
                   sources.c.contact_email)
            .join(sources, sources.c.code == m.source)
            .where(m.done_at.is_(None), m.attempts < max_attempts)
            .order_by(m.created_at, m.source, m.finding, m.finding_key).limit(limit))
        return [dict(row._mapping) for row in rows]

    def claim(self, mail: dict[str, Any]) -> bool:
        """One more attempt, if no one else took it meanwhile."""
        m = finding_mails.c
        return rows_changed(self.session.execute(update(finding_mails).where(
            m.source == mail["source"], m.finding == mail["finding"],
            m.finding_key == mail["finding_key"], m.attempts == mail["attempts"],
            m.done_at.is_(None)).values(attempts=mail["attempts"] + 1))) == 1

    def finish(self, mail: dict[str, Any], failure: str | None, at: datetime) -> None:
        m = finding_mails.c
        values: dict[str, Any] = (
            {"done_at": at, "outcome": "sent", "to_address": mail["contact_email"],
             "last_error": None} if failure is None else {"last_error": failure})
        self.session.execute(update(finding_mails).where(
            m.source == mail["source"], m.finding == mail["finding"],
            m.finding_key == mail["finding_key"]).values(**values))

    def of(self, source: str) -> list[dict[str, Any]]:
        rows = self.session.execute(select(finding_mails).where(
            finding_mails.c.source == source).order_by(finding_mails.c.created_at))
        return [dict(row._mapping) for row in rows]
