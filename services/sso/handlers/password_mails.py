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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from servicekit.clock import Clock
from servicekit.mail import Mail
from services.sso.adapters.digests import digest, new_token
from services.sso.adapters.unit_of_work import SsoWork
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


class Mailer(Protocol):
    def send(self, mails: list[Mail]) -> list[str | None]:
        """Per mail None when sent, else why not; raises OSError / SMTPException when the
        server cannot be reached at all."""
        ...


@dataclass(frozen=True)
class Mailing:
    """What sending password mails uses: a unit of work of its own for each run (the
    sending runs on a background thread after the request's commit), the mailer, the
    clock, and the service's public address of a path (``SsoConfig.url``)."""
    unit_of_work: Callable[[], SsoWork]
    mailer: Mailer
    clock: Clock
    url: Callable[[str], str]


def new_link(uow: SsoWork, clock: Clock, account: Account, purpose: str, by: str) -> str:
    """A one-time token for ``account``, good ``LINK_SECONDS[purpose]`` from now, in the
    open unit of work."""
    token, now = new_token(), clock.now()
    uow.password_links.add(digest(token), account.account_id, purpose, by[:64], now,
                           now + timedelta(seconds=LINK_SECONDS[purpose]))
    return token


def link_url(url: Callable[[str], str], token: str) -> str:
    return url(f"/login/setup?token={token}")


def link_mail(url: Callable[[str], str], account: Account, purpose: str, token: str) -> Mail:
    link = link_url(url, token)
    hours = LINK_SECONDS[purpose] // 3600
    body = (f"{account.display_name} 您好：\n\n"
            f"請於 {hours} 小時內開啟以下連結，設定您在全國教師在職進修資訊網的密碼（帳號：{account.login}）：\n\n"
            f"{link}\n\n連結只能使用一次。若您沒有提出這項要求，請忽略這封信。\n\n"
            f"--\nSet your password for the National In-Service Teacher Training Network "
            f"(username {account.login}) within {hours} hours: {link}\n"
            "The link works once. If you did not ask for it, ignore this e-mail.\n")
    subject = "設定密碼 Set your password" if purpose == "setup" else "重設密碼 Reset your password"
    return Mail((account.email or "",), subject, body)


def queue_mail(uow: SsoWork, mailing: Mailing, account_id: str | None, purpose: str,
               by: str) -> int:
    """One row, the same for an account and for no account, in the open unit of work;
    sent on a background thread once it commits."""
    mail_id = uow.password_links.queue_mail(account_id, purpose, by[:64], mailing.clock.now())
    uow.after_commit("password-mail", lambda ids: send_queued(mailing, ids), [mail_id])
    return mail_id


def send_queued(mailing: Mailing, ids: list[int] | None = None, limit: int = 200) -> int:
    """Sends the queued mails named (all that wait, when ``ids`` is None); returns how
    many were sent."""
    uow = mailing.unit_of_work()
    now = mailing.clock.now()
    with uow:
        # Each attempt is claimed by one conditional write: the background thread and the
        # housekeeping never both send a mail.
        claimed = [mail for mail in uow.password_links.waiting_mails(
            ids, now - RETRY_AFTER, MAX_ATTEMPTS, limit)
            if uow.password_links.claim_mail(mail, now)]
    if not claimed:
        return 0
    sending: list[tuple[int, str, Mail]] = []
    with uow:
        for mail in claimed:
            account = uow.accounts.get(mail.account_id)
            unsent = _why_not_sent(account)
            if account is None or unsent is not None:
                uow.password_links.close_mail(mail.mail_id, now, unsent or "no-account")
                continue
            token = new_link(uow, mailing.clock, account, mail.purpose, mail.requested_by)
            sending.append((mail.mail_id, token, link_mail(mailing.url, account, mail.purpose,
                                                           token)))
    if not sending:
        return 0
    try:
        outcomes = mailing.mailer.send([mail for _, _, mail in sending])
    except (OSError, smtplib.SMTPException) as error:
        log.warning("password mails not sent", extra={"error": repr(error)})
        outcomes = [f"{type(error).__name__}: {error}"[:500]] * len(sending)
    with uow:
        for (mail_id, token, _), failure in zip(sending, outcomes, strict=True):
            if failure is None:
                uow.password_links.close_mail(mail_id, mailing.clock.now(), "sent")
            else:
                uow.password_links.mail_failed(mail_id, failure)
                uow.password_links.withdraw(digest(token))  # a link that never arrived
    return sum(failure is None for failure in outcomes)


def _why_not_sent(account: Account | None) -> str | None:
    if account is None:
        return "no-account"
    if not account.enabled:
        return "disabled"
    return None if account.email else "no-address"
