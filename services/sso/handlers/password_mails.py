"""Password links by e-mail: the link itself (a one-time token of which only the digest is
kept) and the queue of "forgot password" mails.

A forgotten-password request writes one ``password_mails`` row whether or not the name is
an account's (``account_id`` empty when not) and answers at once: the same work either
way, so the answer's time tells nothing about which accounts exist (R-SSO-7). The mail
goes out after the commit on a background thread of the process (servicekit/after_commit.py,
as back-channel logouts do); the link is made when the mail is sent, so it lives its full
hour from then. A request for no account, or for one that is disabled or has no address
by then, is closed without mail. A mail that fails is tried again by the scheduled
housekeeping (``tidy-records``), at most ``MAX_ATTEMPTS`` times, and the link it carried
is withdrawn: a mail that never arrived leaves no working link behind.
"""
from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.orm import Session

from servicekit.after_commit import run_after_commit
from servicekit.dml import rows_changed
from servicekit.mail import Mail
from services.sso.adapters.digests import digest, new_token
from services.sso.adapters.orm import password_mails, password_setups
from services.sso.adapters.repository import AccountRepository
from services.sso.context import Sso
from services.sso.domain.accounts import Account

log = logging.getLogger("sso.password_mails")

SETUP_SECONDS = 72 * 3600
RESET_SECONDS = 3600
# Printed at the command line for a new operator (handlers/operator_link.py), not mailed:
# whoever runs the command uses it at once.
OPERATOR_SECONDS = 30 * 60
LINK_SECONDS = {"setup": SETUP_SECONDS, "reset": RESET_SECONDS, "operator": OPERATOR_SECONDS}
MAX_ATTEMPTS = 5
# A try under way in another process (the background thread, the housekeeping) is not
# repeated before this: one request, one mail.
RETRY_AFTER = timedelta(minutes=1)


def new_link(session: Session, sso: Sso, account: Account, purpose: str, by: str) -> str:
    """A one-time token for ``account``, good ``LINK_SECONDS[purpose]`` from now."""
    token, now = new_token(), sso.now()
    session.execute(insert(password_setups).values(
        token_hash=digest(token), account_id=account.account_id, purpose=purpose,
        requested_by=by[:64], created_at=now,
        expires_at=now + timedelta(seconds=LINK_SECONDS[purpose])))
    return token


def link_mail(sso: Sso, account: Account, purpose: str, token: str) -> Mail:
    link = sso.config.url(f"/login/setup?token={token}")
    hours = LINK_SECONDS[purpose] // 3600
    body = (f"{account.display_name} 您好：\n\n"
            f"請於 {hours} 小時內開啟以下連結，設定您在全國教師在職進修資訊網的密碼（帳號：{account.login}）：\n\n"
            f"{link}\n\n連結只能使用一次。若您沒有提出這項要求，請忽略這封信。\n\n"
            f"--\nSet your password for the National In-Service Teacher Training Network "
            f"(username {account.login}) within {hours} hours: {link}\n"
            "The link works once. If you did not ask for it, ignore this e-mail.\n")
    subject = "設定密碼 Set your password" if purpose == "setup" else "重設密碼 Reset your password"
    return Mail((account.email or "",), subject, body)


def queue_mail(session: Session, sso: Sso, account_id: str | None, purpose: str,
               by: str) -> None:
    """One row, the same for an account and for no account; sent after ``session``
    commits."""
    mail_id = session.execute(insert(password_mails).values(
        account_id=account_id, purpose=purpose,
        requested_by=by[:64], created_at=sso.now(), attempts=0)
        .returning(password_mails.c.id)).scalar_one()
    run_after_commit(session, "password-mail", lambda ids: send_queued(sso, ids), [mail_id])


def send_queued(sso: Sso, ids: list[int] | None = None, limit: int = 200) -> int:
    """Sends the queued mails named (all that wait, when ``ids`` is None); returns how
    many were sent."""
    claimed = _claim(sso, ids, limit)
    if not claimed:
        return 0
    now = sso.now()
    sending: list[tuple[int, str, Mail]] = []
    with sso.database.session() as session:
        accounts = AccountRepository(session)
        for row in claimed:
            account = accounts.get(row.account_id)
            unsent = _why_not_sent(account)
            if account is None or unsent is not None:
                session.execute(update(password_mails).where(password_mails.c.id == row.id)
                                .values(done_at=now, outcome=unsent))
                continue
            token = new_link(session, sso, account, row.purpose, row.requested_by)
            sending.append((row.id, token, link_mail(sso, account, row.purpose, token)))
    if not sending:
        return 0
    try:
        outcomes = sso.mailer.send([mail for _, _, mail in sending])
    except (OSError, smtplib.SMTPException) as error:
        log.warning("password mails not sent", extra={"error": repr(error)})
        outcomes = [f"{type(error).__name__}: {error}"[:500]] * len(sending)
    with sso.database.session() as session:
        for (mail_id, token, _), failure in zip(sending, outcomes, strict=True):
            if failure is None:
                session.execute(update(password_mails).where(password_mails.c.id == mail_id)
                                .values(done_at=sso.now(), outcome="sent", last_error=None))
            else:
                session.execute(update(password_mails).where(password_mails.c.id == mail_id)
                                .values(last_error=failure))
                session.execute(delete(password_setups).where(
                    password_setups.c.token_hash == digest(token)))
    return sum(failure is None for failure in outcomes)


def _why_not_sent(account: Account | None) -> str | None:
    if account is None:
        return "no-account"
    if not account.enabled:
        return "disabled"
    return None if account.email else "no-address"


def _claim(sso: Sso, ids: list[int] | None, limit: int) -> list:
    """The waiting rows this process takes: each attempt is claimed by one conditional
    ``UPDATE`` (the background thread and the housekeeping never both send a mail)."""
    now = sso.now()
    m = password_mails.c
    query = select(password_mails).where(m.done_at.is_(None), m.attempts < MAX_ATTEMPTS)
    if ids is not None:
        query = query.where(m.id.in_(ids))
    else:
        query = query.where(or_(m.tried_at.is_(None), m.tried_at <= now - RETRY_AFTER))
    claimed = []
    with sso.database.session() as session:
        for row in session.execute(query.order_by(m.id).limit(limit)).all():
            taken = rows_changed(session.execute(update(password_mails).where(
                m.id == row.id, m.attempts == row.attempts, m.done_at.is_(None))
                .values(attempts=row.attempts + 1, tried_at=now)))
            if taken == 1:
                claimed.append(row)
    return claimed
