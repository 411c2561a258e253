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

from servicekit.clock import Clock
from servicekit.errors import Conflict, Invalid, NotFound, Unavailable
from services.sso.adapters.digests import digest
from services.sso.adapters.passwords import Passwords, policy_problem
from services.sso.adapters.unit_of_work import SsoWork
from services.sso.domain.accounts import Account
from services.sso.domain.logins import normalised_login
from services.sso.handlers.credentials import Checking, lockout_keys
from services.sso.handlers.password_mails import Mailing, queue_mail, send_queued
from services.sso.handlers.sign_in_records import Client
from services.sso.handlers.sign_outs import SignOut


def send_setup_link(uow: SsoWork, mailing: Mailing, account_id: str, by: str) -> str:
    """Mails a first-password link while the operator waits, through the same queue and
    sender as a forgotten password's; returns where it went, partly masked. A mail that
    could not be sent leaves no working link and is not tried again: the operator is told
    (``Unavailable``) and asks again."""
    with uow:
        account = uow.accounts.get(account_id)
        if account is None:
            raise NotFound(f"no account {account_id}")
        if not account.enabled or not account.email:
            raise Invalid("no-address", "The account is not enabled or has no e-mail address")
        mail_id = uow.password_links.queue_mail(account_id, "setup", by[:64],
                                                mailing.clock.now())
    if send_queued(mailing, [mail_id]) != 1:
        with uow:
            uow.password_links.close_mail(mail_id, mailing.clock.now(), "not-sent")
        raise Unavailable("mail-unavailable", "The e-mail could not be sent; try again later")
    return _masked(account.email)


def request_reset(uow: SsoWork, checking: Checking, mailing: Mailing, login: str,
                  who: Client) -> None:
    """Always the same outcome for the caller, after the same work: a reset mail is
    queued whether or not the name is an account's, at most ``lockout_attempts`` times a
    window per name; the sender mails only a real, enabled account that has an address."""
    name = normalised_login(login)
    if name is None or not checking.throttle.reserve(
            *lockout_keys(checking.names, "reset", name, None)):
        return
    with uow:
        account_id = uow.accounts.id_of_login(name)
        queue_mail(uow, mailing, account_id, "reset", f"self:{who.address or ''}")


def token_is_open(uow: SsoWork, clock: Clock, token: str | None) -> bool:
    if not token or len(token) > 100:
        return False
    with uow:
        link = uow.password_links.get(digest(token))
    return link is not None and link.used_at is None and link.expires_at > clock.now()


def set_password(uow: SsoWork, clock: Clock, passwords: Passwords, sign_out: SignOut,
                 token: str, new_password: str, who: Client) -> Account:
    """Raises ``Conflict`` ``link-expired`` when the link is used or expired, ``Invalid``
    ``weak-password`` for a password the policy refuses."""
    now = clock.now()
    with uow:
        link = uow.password_links.get(digest(token))
        account = uow.accounts.get(link.account_id) if link else None
    if link is None or link.used_at is not None or link.expires_at <= now or account is None:
        raise Conflict("link-expired", "This link is used or has expired")
    problem = policy_problem(new_password, account.login)
    if problem:
        raise Invalid("weak-password", "The new password is not accepted", problem)
    password_hash = passwords.hash(new_password)
    with uow:
        if not uow.password_links.use(link.token_hash, now):
            raise Conflict("link-expired", "This link is used or has expired")
        uow.credentials.store({account.account_id: password_hash}, now, method=link.purpose,
                              client_address=who.address)
        sign_out(uow, account.account_id, "password-" + link.purpose)
    return account


def _masked(address: str) -> str:
    name, _, domain = address.partition("@")
    return f"{name[:1]}***@{domain}"
