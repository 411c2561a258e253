"""Checking a platform password (R-SSO-7) and changing it, with the records R-ACC-4 keeps.

Whatever goes wrong — unknown login, wrong password, an account not enabled — the caller
gets the same ``None`` after the same work (an unknown login is checked against a decoy
hash). Only the lockout answers differently. Every typed name goes through
``normalised_login`` once; its result is the lockout key, the lookup and the record. A
failure counts against that name (whether an account has it or not: the locked answer
tells nothing) and against the account it names (``account:<id>``), so no spelling of a
name escapes the count.
"""
from __future__ import annotations

from dataclasses import dataclass

from servicekit.clock import Clock
from servicekit.errors import Forbidden, Invalid, LimitReached, NotFound
from services.sso.adapters.name_digests import NameDigests
from services.sso.adapters.passwords import Passwords, policy_problem
from services.sso.adapters.throttle import Throttle
from services.sso.adapters.unit_of_work import SsoWork
from services.sso.domain.accounts import Account
from services.sso.domain.logins import normalised_login
from services.sso.handlers.sign_in_records import Client, record_login
from services.sso.handlers.sign_outs import SignOut


class Locked(LimitReached):
    """Too many attempts for this login name or account: try again after ``retry_after``
    seconds (an API answers 429 ``locked`` with Retry-After; a page says it in words)."""

    def __init__(self, retry_after: int | None = None) -> None:
        super().__init__("locked", "Too many attempts",
                         "this account is locked for a while after too many wrong passwords",
                         retry_after=retry_after)


@dataclass(frozen=True)
class Checking:
    """What checking a password uses besides the unit of work."""
    passwords: Passwords
    throttle: Throttle
    names: NameDigests
    clock: Clock


def lockout_keys(names: NameDigests, purpose: str, name: str,
                 account: Account | None) -> tuple[str, ...]:
    """The counters an attempt on ``name`` (normalised) takes a place in: the name's (a
    keyed digest: the name may be a national ID typed in the wrong field) and, when it is
    an account's, the account's."""
    by_name = f"{purpose}:{names.typed_name(name)}"
    return (by_name, f"account:{account.account_id}") if account is not None else (by_name,)


def check_password(uow: SsoWork, checking: Checking, login: str, password: str,
                   who: Client, method: str = "password") -> Account | None:
    """The enabled account whose password this is, else None; raises ``Locked``.

    A name no account can have (empty, over 64 characters) is refused at once: that answer
    depends on the typed text alone, so its speed tells nothing about accounts."""
    name = normalised_login(login)
    if name is None:
        _record(uow, checking, None, login, method, "failure", who)
        return None
    with uow:
        account = uow.accounts.by_login(name)
        stored = uow.credentials.password_hash(account.account_id) if account else None
    return _judged(uow, checking, name, account, stored, password, who, method)


def check_account_password(uow: SsoWork, checking: Checking, account: Account,
                           password: str, who: Client, method: str = "password") -> bool:
    """The same check, for an account the caller has loaded already (it is not read
    again): counted, locked and recorded alike."""
    with uow:
        stored = uow.credentials.password_hash(account.account_id)
    name = normalised_login(account.login) or account.login
    return _judged(uow, checking, name, account, stored, password, who, method) is not None


def _judged(uow: SsoWork, checking: Checking, name: str, account: Account | None,
            stored: str | None, password: str, who: Client, method: str) -> Account | None:
    keys = lockout_keys(checking.names, "password", name, account)
    if not checking.throttle.reserve(*keys):
        _record(uow, checking, account, name, method, "locked", who)
        raise Locked(checking.throttle.lock_seconds)
    matches = checking.passwords.verify(stored, password)
    if not (matches and account is not None and account.enabled):
        checking.throttle.failed(*keys)
        _record(uow, checking, account, name, method, "failure", who)
        return None
    checking.throttle.succeeded(*keys)
    with uow:
        if stored and checking.passwords.needs_rehash(stored):  # not a change to record
            uow.credentials.store({account.account_id: checking.passwords.hash(password)},
                                  checking.clock.now(), method=None)
        record_login(uow.login_records, checking.names, checking.clock.now(), account, name,
                     method, "success", who)
    return account


def change_password(uow: SsoWork, checking: Checking, sign_out: SignOut, account_id: str,
                    current: str, new: str, who: Client, grant_id: str | None = None) -> None:
    """The new password ends every other session and grant of the account (partners that
    asked are told by back-channel logout), as a reset does: whoever knew the old one is
    out. What made the change stays signed in: the grant ``grant_id`` (the ``gid`` of the
    access token) and the browser session it was issued in. Without a live grant of this
    account every session and grant ends. Raises ``Locked`` (the sign-in lockout)."""
    with uow:
        account = uow.accounts.get(account_id)
    if account is None:
        raise NotFound("this account has no platform password")
    if not check_account_password(uow, checking, account, current, who):
        raise Forbidden("the current password is not right", slug="wrong-password",
                        title="The current password is not right")
    problem = policy_problem(new, account.login)
    if problem:
        raise Invalid("weak-password", "The new password is not accepted", problem)
    password_hash = checking.passwords.hash(new)
    with uow:
        uow.credentials.store({account_id: password_hash}, checking.clock.now(), method="self",
                              client_address=who.address)
        sign_out(uow, account_id, "password-self", keeping_grant=grant_id)


def set_passwords(uow: SsoWork, clock: Clock, hashes: dict[str, str], method: str | None,
                  who: Client | None = None) -> None:
    """Stores passwords hashed already (the demo seed's); ``method`` None: the same password
    hashed again, not a change to record."""
    with uow:
        uow.credentials.store(hashes, clock.now(), method, who.address if who else None)


def has_password(uow: SsoWork, account_id: str) -> bool:
    with uow:
        return uow.credentials.password_hash(account_id) is not None


def _record(uow: SsoWork, checking: Checking, account: Account | None, typed: str,
            method: str, outcome: str, who: Client) -> None:
    with uow:
        record_login(uow.login_records, checking.names, checking.clock.now(), account, typed,
                     method, outcome, who)
