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

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from servicekit.errors import Forbidden, Invalid, LimitReached, NotFound
from services.sso.adapters.orm import credentials, password_changes
from services.sso.adapters.passwords import policy_problem
from services.sso.adapters.repository import AccountRepository
from services.sso.context import Sso
from services.sso.domain.accounts import Account
from services.sso.domain.logins import normalised_login
from services.sso.handlers.sessions import end_sign_ins
from services.sso.handlers.sign_in_records import Client, name_digest, record_login


class Locked(LimitReached):
    """Too many attempts for this login name or account: try again after ``retry_after``
    seconds (an API answers 429 ``locked`` with Retry-After; a page says it in words)."""

    def __init__(self, retry_after: int | None = None) -> None:
        super().__init__("locked", "Too many attempts",
                         "this account is locked for a while after too many wrong passwords",
                         retry_after=retry_after)


def lockout_keys(sso: Sso, purpose: str, name: str, account: Account | None) -> tuple[str, ...]:
    """The counters an attempt on ``name`` (normalised) takes a place in: the name's (a
    keyed digest: the name may be a national ID typed in the wrong field) and, when it is
    an account's, the account's."""
    by_name = f"{purpose}:{name_digest(sso, name)}"
    return (by_name, f"account:{account.account_id}") if account is not None else (by_name,)


def check_password(sso: Sso, login: str, password: str, who: Client,
                   method: str = "password") -> Account | None:
    """The enabled account whose password this is, else None; raises ``Locked``.

    A name no account can have (empty, over 64 characters) is refused at once: that answer
    depends on the typed text alone, so its speed tells nothing about accounts."""
    name = normalised_login(login)
    if name is None:
        _record(sso, None, login, method, "failure", who)
        return None
    with sso.database.session() as session:
        account = AccountRepository(session).by_login(name)
        stored = session.scalar(select(credentials.c.password_hash).where(
            credentials.c.account_id == account.account_id)) if account else None
    keys = lockout_keys(sso, "password", name, account)
    if not sso.throttle.reserve(*keys):
        _record(sso, account, name, method, "locked", who)
        raise Locked(sso.config.lockout_seconds)
    matches = sso.passwords.verify(stored, password)
    if not (matches and account is not None and account.enabled):
        sso.throttle.failed(*keys)
        _record(sso, account, name, method, "failure", who)
        return None
    sso.throttle.succeeded(*keys)
    if stored and sso.passwords.needs_rehash(stored):
        _store_hash(sso, account.account_id, sso.passwords.hash(password))
    _record(sso, account, name, method, "success", who)
    return account


def change_password(sso: Sso, account_id: str, current: str, new: str, who: Client,
                    grant_id: str | None = None) -> None:
    """The new password ends every other session and grant of the account (partners that
    asked are told by back-channel logout), as a reset does: whoever knew the old one is
    out. What made the change stays signed in: the grant ``grant_id`` (the ``gid`` of the
    access token) and the browser session it was issued in. Without a live grant of this
    account every session and grant ends."""
    with sso.database.session() as session:
        account = AccountRepository(session).get(account_id)
    if account is None:
        raise NotFound("this account has no platform password")
    checked = check_password(sso, account.login, current, who)  # raises Locked
    if checked is None:
        raise Forbidden("the current password is not right", slug="wrong-password",
                        title="The current password is not right")
    problem = policy_problem(new, account.login)
    if problem:
        raise Invalid("weak-password", "The new password is not accepted", problem)
    password_hash = sso.passwords.hash(new)
    with sso.database.session() as session:
        store_hashes(session, sso, {account_id: password_hash}, method="self", who=who)
        end_sign_ins(session, sso, account_id, "password-self", keeping_grant=grant_id)


def _store_hash(sso: Sso, account_id: str, password_hash: str, method: str | None = None,
                who: Client | None = None) -> None:
    """``method`` None: the same password hashed again (not a change to record)."""
    with sso.database.session() as session:
        store_hashes(session, sso, {account_id: password_hash}, method, who)


def store_hashes(session: Session, sso: Sso, hashes: dict[str, str], method: str | None,
                 who: Client | None = None) -> None:
    if not hashes:
        return
    now = sso.now()
    rows = [{"account_id": account_id, "password_hash": value, "changed_at": now}
            for account_id, value in hashes.items()]
    dialect = postgresql if sso.database.is_postgres else sqlite
    statement = dialect.insert(credentials)
    session.execute(statement.on_conflict_do_update(
        index_elements=["account_id"],
        set_={"password_hash": statement.excluded.password_hash,
              "changed_at": statement.excluded.changed_at}), rows)
    if method is not None:
        session.execute(insert(password_changes), [
            {"account_id": account_id, "changed_at": now, "method": method,
             "client_address": who.address if who else None} for account_id in hashes])


def has_password(sso: Sso, account_id: str) -> bool:
    with sso.database.session() as session:
        return session.scalar(select(credentials.c.account_id).where(
            credentials.c.account_id == account_id)) is not None


def _record(sso: Sso, account: Account | None, typed: str, method: str, outcome: str,
            who: Client) -> None:
    with sso.database.session() as session:
        record_login(session, sso, account, typed, method, outcome, who)
