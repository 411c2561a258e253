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

from contracts.events.sso import MAINTENANCE_NOTICE_ANNOUNCED
from servicekit.clock import Clock
from servicekit.errors import Invalid, NotFound
from servicekit.mail import Mail
from services.sso.adapters.notices_repo import Notice
from services.sso.adapters.unit_of_work import SsoWork
from services.sso.handlers.password_mails import Mailer

log = logging.getLogger("sso.notices")

MAX_ATTEMPTS = 5
TAIPEI = timezone(timedelta(hours=8))


def announce(uow: SsoWork, clock: Clock, mailer: Mailer, title: str, body: str,
             starts_at: datetime, ends_at: datetime, by: str) -> dict[str, Any]:
    if ends_at <= starts_at:
        raise Invalid("invalid-notice", "The outage must end after it starts")
    notice_id = str(uuid.uuid4())
    with uow:
        partners = {p.client_id: tuple(p.contacts) for p in uow.clients.enabled_partners()
                    if p.contacts}
        uow.notices.add(Notice(notice_id, title, body, starts_at, ends_at, clock.now(),
                               by[:64]), partners)
        uow.record(MAINTENANCE_NOTICE_ANNOUNCED, {
            "notice_id": notice_id, "title": title, "body": body,
            "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()})
    send_pending(uow, clock, mailer)
    return notice(uow, notice_id)


def notice(uow: SsoWork, notice_id: str) -> dict[str, Any]:
    with uow:
        found = uow.notices.get(notice_id)
        deliveries = uow.notices.deliveries_of(notice_id)
    if found is None:
        raise NotFound(f"no notice {notice_id}")
    return {**_public(found), "deliveries": [
        {"client_id": d.client_id, "recipients": list(d.recipients), "sent_at": d.sent_at,
         "attempts": d.attempts, "last_error": d.last_error} for d in deliveries]}


def feed(uow: SsoWork, clock: Clock, limit: int = 50) -> list[dict[str, Any]]:
    """Newest first, the ones not yet over before the past ones."""
    with uow:
        notices = uow.notices.newest(limit)
    now = clock.now()
    return sorted((_public(n) for n in notices), key=lambda n: n["ends_at"] < now)


def _public(notice: Notice) -> dict[str, Any]:
    return {"notice_id": notice.notice_id, "title": notice.title, "body": notice.body,
            "starts_at": notice.starts_at, "ends_at": notice.ends_at,
            "published_at": notice.created_at}


def send_pending(uow: SsoWork, clock: Clock, mailer: Mailer) -> int:
    with uow:
        pending = uow.notices.unsent(MAX_ATTEMPTS)
    if not pending:
        return 0
    mails = [Mail(delivery.recipients, f"{notice.title}（系統維護通知）", _mail_body(notice),
                  high_importance=True) for delivery, notice in pending]
    try:
        outcomes = mailer.send(mails)
    except (OSError, smtplib.SMTPException) as error:
        log.warning("maintenance notices not sent", extra={"error": repr(error)})
        outcomes = [f"{type(error).__name__}: {error}"[:500]] * len(pending)
    with uow:
        for (delivery, _), failure in zip(pending, outcomes, strict=True):
            uow.notices.tried(delivery, failure, clock.now())
    return sum(failure is None for failure in outcomes)


def _mail_body(row: Notice) -> str:
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
