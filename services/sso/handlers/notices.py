"""Maintenance notices (R-SSO-6): an operator records a planned outage; every enabled
partner's contacts get an e-mail (as the seed's notice of 2017-03-09 went to the
partners' group mailbox) and the notice is in the news feed. The notice, one delivery row
per partner and the ``sso.maintenance_notice.announced.v1`` event (for the platform's
news and marquee) commit together; mail goes out after the commit, and what fails is
retried by the scheduled housekeeping.
"""
from __future__ import annotations

import logging
import smtplib
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Row

from contracts.events.sso import MAINTENANCE_NOTICE_ANNOUNCED
from servicekit.mail import Mail
from servicekit.problems import Problem
from services.sso.adapters.orm import maintenance_notices, notice_deliveries
from services.sso.adapters.repository import ClientRepository
from services.sso.context import Sso

log = logging.getLogger("sso.notices")

MAX_ATTEMPTS = 5
TAIPEI = timezone(timedelta(hours=8))


def announce(sso: Sso, title: str, body: str, starts_at: datetime, ends_at: datetime,
             by: str) -> dict[str, Any]:
    if ends_at <= starts_at:
        raise Problem(422, "invalid-notice", "The outage must end after it starts")
    notice_id, now = str(uuid.uuid4()), sso.now()
    with sso.database.session() as session:
        session.execute(insert(maintenance_notices).values(
            notice_id=notice_id, title=title, body=body, starts_at=starts_at, ends_at=ends_at,
            created_at=now, created_by=by[:64]))
        partners = [p for p in ClientRepository(session).enabled_partners() if p.contacts]
        if partners:
            session.execute(insert(notice_deliveries), [
                {"notice_id": notice_id, "client_id": p.client_id, "recipients": list(p.contacts),
                 "attempts": 0} for p in partners])
        sso.outbox.record(session, MAINTENANCE_NOTICE_ANNOUNCED, {
            "notice_id": notice_id, "title": title, "body": body,
            "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()})
    send_pending(sso)
    return notice(sso, notice_id)


def notice(sso: Sso, notice_id: str) -> dict[str, Any]:
    with sso.database.session() as session:
        row = session.execute(select(maintenance_notices).where(
            maintenance_notices.c.notice_id == notice_id)).first()
        deliveries = session.execute(select(notice_deliveries).where(
            notice_deliveries.c.notice_id == notice_id)).all()
    if row is None:
        raise Problem(404, "not-found", "Not found", f"no notice {notice_id}")
    return {**_public(row), "deliveries": [
        {"client_id": d.client_id, "recipients": d.recipients, "sent_at": d.sent_at,
         "attempts": d.attempts, "last_error": d.last_error} for d in deliveries]}


def feed(sso: Sso, limit: int = 50) -> list[dict[str, Any]]:
    """Newest first, the ones not yet over before the past ones."""
    with sso.database.session() as session:
        rows = session.execute(select(maintenance_notices)
                               .order_by(maintenance_notices.c.created_at.desc())
                               .limit(limit)).all()
    now = sso.now()
    return sorted((_public(row) for row in rows), key=lambda n: n["ends_at"] < now)


def _public(row: Row[Any]) -> dict[str, Any]:
    return {"notice_id": row.notice_id, "title": row.title, "body": row.body,
            "starts_at": row.starts_at, "ends_at": row.ends_at, "published_at": row.created_at}


def send_pending(sso: Sso) -> int:
    with sso.database.session() as session:
        rows = session.execute(
            select(notice_deliveries, maintenance_notices.c.title, maintenance_notices.c.body,
                   maintenance_notices.c.starts_at, maintenance_notices.c.ends_at)
            .join(maintenance_notices)
            .where(notice_deliveries.c.sent_at.is_(None),
                   notice_deliveries.c.attempts < MAX_ATTEMPTS)).all()
    if not rows:
        return 0
    mails = [Mail(tuple(row.recipients), f"{row.title}（系統維護通知）", _mail_body(row),
                  high_importance=True) for row in rows]
    try:
        outcomes = sso.mailer.send(mails)
    except (OSError, smtplib.SMTPException) as error:
        log.warning("maintenance notices not sent", extra={"error": repr(error)})
        outcomes = [f"{type(error).__name__}: {error}"[:500]] * len(rows)
    with sso.database.session() as session:
        for row, failure in zip(rows, outcomes, strict=True):
            session.execute(update(notice_deliveries).where(notice_deliveries.c.id == row.id)
                            .values(attempts=row.attempts + 1, last_error=failure,
                                    sent_at=None if failure else sso.now()))
    return sum(failure is None for failure in outcomes)


def _mail_body(row: Row[Any]) -> str:
    start, end = row.starts_at.astimezone(TAIPEI), row.ends_at.astimezone(TAIPEI)
    return (
        "「全國教師在職進修資訊網」的合作夥伴您們好：\n\n"
        f"{row.body}\n\n"
        f"影響時間區間：{start:%Y/%m/%d %H:%M} ~ {end:%Y/%m/%d %H:%M}（臺灣時間）\n"
        "此段時間將會影響所有服務（含帳號漫遊服務），造成不便敬請見諒。\n\n"
        "全國教師在職進修資訊網 敬上\n\n"
        "--\n"
        f"Dear partner: planned maintenance from {row.starts_at:%Y-%m-%d %H:%M} to "
        f"{row.ends_at:%Y-%m-%d %H:%M} UTC; all services, sign-in included, may be "
        "unavailable during that time.\n")
