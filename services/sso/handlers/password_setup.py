"""Setting a password through a one-time link sent to the account's e-mail address: the
first password of an account the accounts service made (an operator sends the link), or
a new one when it is forgotten (the person asks on the sign-in page).

The link is good once, for ``SETUP_SECONDS``; only its digest is kept, and the API never
shows it — it goes to the address on the account and nowhere else. Asking for a reset
gets the same answer after the same work whether the login exists or not (the mail is
queued and sent after the answer: handlers/password_mails.py), and is counted like
sign-in attempts, per normalised login name, so it can be neither used to find accounts
nor to flood a mailbox. The operator's first-password link is sent while the operator
waits: the answer says where it went, or that it could not be sent.
A new password ends the account's sessions and grants: whoever knew the old one is out.
"""
from __future__ import annotations

import smtplib

from sqlalchemy import delete, update

from servicekit.dml import rows_changed
from servicekit.errors import Conflict, Invalid, NotFound, Unavailable
from services.sso.adapters.digests import digest
from services.sso.adapters.orm import password_setups
from services.sso.adapters.passwords import policy_problem
from services.sso.adapters.repository import AccountRepository
from services.sso.context import Sso
from services.sso.domain.accounts import Account
from services.sso.domain.logins import normalised_login
from services.sso.handlers.credentials import Client, lockout_keys, store_hashes
from services.sso.handlers.password_mails import link_mail, new_link, queue_mail
from services.sso.handlers.sessions import end_sign_ins


def send_setup_link(sso: Sso, account_id: str, by: str) -> str:
    """Mails a first-password link; returns where it went, partly masked."""
    with sso.database.session() as session:
        account = AccountRepository(session).get(account_id)
    if account is None:
        raise NotFound(f"no account {account_id}")
    if not account.enabled or not account.email:
        raise Invalid("no-address", "The account is not enabled or has no e-mail address")
    with sso.database.session() as session:
        token = new_link(session, sso, account, "setup", by)
    try:
        sent = sso.mailer.send([link_mail(sso, account, "setup", token)]) == [None]
    except (OSError, smtplib.SMTPException):
        sent = False
    if not sent:
        with sso.database.session() as session:  # a link that never arrived must not work
            session.execute(delete(password_setups).where(
                password_setups.c.token_hash == digest(token)))
        raise Unavailable("mail-unavailable", "The e-mail could not be sent; try again later")
    return _masked(account.email)


def request_reset(sso: Sso, login: str, who: Client) -> None:
    """Always the same outcome for the caller, after the same work: a reset mail is
    queued whether or not the name is an account's, at most ``lockout_attempts`` times a
    window per name; the sender mails only a real, enabled account that has an address."""
    name = normalised_login(login)
    if name is None or not sso.throttle.reserve(*lockout_keys(sso, "reset", name, None)):
        return
    with sso.database.session() as session:
        account_id = AccountRepository(session).id_of_login(name)
        queue_mail(session, sso, account_id, "reset", f"self:{who.address or ''}")


def token_is_open(sso: Sso, token: str | None) -> bool:
    if not token or len(token) > 100:
        return False
    with sso.database.session() as session:
        return session.execute(password_setups.select().where(
            password_setups.c.token_hash == digest(token), password_setups.c.used_at.is_(None),
            password_setups.c.expires_at > sso.now())).first() is not None


def set_password(sso: Sso, token: str, new_password: str, who: Client) -> Account:
    """Raises ``Conflict`` ``link-expired`` when the link is used or expired, ``Invalid``
    ``weak-password`` for a password the policy refuses."""
    now = sso.now()
    with sso.database.session() as session:
        row = session.execute(password_setups.select().where(
            password_setups.c.token_hash == digest(token))).first()
        account = AccountRepository(session).get(row.account_id) if row else None
    if row is None or row.used_at is not None or row.expires_at <= now or account is None:
        raise Conflict("link-expired", "This link is used or has expired")
    problem = policy_problem(new_password, account.login)
    if problem:
        raise Invalid("weak-password", "The new password is not accepted", problem)
    password_hash = sso.passwords.hash(new_password)
    with sso.database.session() as session:
        taken = rows_changed(session.execute(update(password_setups).where(
            password_setups.c.token_hash == digest(token), password_setups.c.used_at.is_(None))
            .values(used_at=now)))
        if taken != 1:
            raise Conflict("link-expired", "This link is used or has expired")
        store_hashes(session, sso, {account.account_id: password_hash}, method=row.purpose, who=who)
        end_sign_ins(session, sso, account.account_id, "password-" + row.purpose)
    return account


def _masked(address: str) -> str:
    name, _, domain = address.partition("@")
    return f"{name[:1]}***@{domain}"
