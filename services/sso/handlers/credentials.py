"""Checking a platform password (R-SSO-7) and changing it, with the records R-ACC-4 keeps.

Whatever goes wrong — unknown login, wrong password, an account not enabled — the caller
gets the same ``None`` after the same work (an unknown login is checked against a decoy
hash). Only the lockout answers differently, and it is counted per login name whether
the name exists or not.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from servicekit.problems import Problem
from services.sso.adapters.orm import credentials, login_records, password_changes
from services.sso.adapters.passwords import policy_problem
from services.sso.adapters.repository import AccountRepository
from services.sso.context import Sso
from services.sso.domain.accounts import Account


@dataclass(frozen=True)
class Client:
    """Who is asking, for the records."""
    address: str | None = None
    user_agent: str | None = None


class Locked(Exception):
    """Too many attempts for this login name: try again later."""


def check_password(sso: Sso, login: str, password: str, who: Client,
                   method: str = "password") -> Account | None:
    """The enabled account whose password this is, else None; raises ``Locked``."""
    login = login.strip()[:64]
    key = f"password:{login.lower()}"
    if not login or not sso.throttle.reserve(key):
        _record(sso, login, None, method, "locked" if login else "failure", who)
        if login:
            raise Locked()
        return None
    with sso.database.session() as session:
        account = AccountRepository(session).by_login(login)
        stored = session.scalar(select(credentials.c.password_hash).where(
            credentials.c.account_id == account.account_id)) if account else None
    matches = sso.passwords.verify(stored, password)
    if not (matches and account is not None and account.enabled):
        sso.throttle.failed(key)
        _record(sso, login, account.account_id if account else None, method, "failure", who)
        return None
    sso.throttle.succeeded(key)
    if stored and sso.passwords.needs_rehash(stored):
        _store_hash(sso, account.account_id, sso.passwords.hash(password))
    _record(sso, login, account.account_id, method, "success", who)
    return account


def change_password(sso: Sso, account_id: str, current: str, new: str, who: Client) -> None:
    with sso.database.session() as session:
        account = AccountRepository(session).get(account_id)
    if account is None:
        raise Problem(404, "not-found", "Not found", "this account has no platform password")
    if check_password(sso, account.login, current, who) is None:
        raise Problem(403, "wrong-password", "The current password is not right")
    problem = policy_problem(new, account.login)
    if problem:
        raise Problem(422, "weak-password", "The new password is not accepted", problem)
    _store_hash(sso, account_id, sso.passwords.hash(new), method="self", who=who)


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


def _record(sso: Sso, login: str, account_id: str | None, method: str, outcome: str,
            who: Client, county_code: str | None = None) -> None:
    with sso.database.session() as session:
        record_login(session, sso, login, account_id, method, outcome, who, county_code)


def record_login(session: Session, sso: Sso, login: str, account_id: str | None, method: str,
                 outcome: str, who: Client, county_code: str | None = None) -> None:
    session.execute(insert(login_records).values(
        at=sso.now(), login=login[:160], account_id=account_id, method=method, outcome=outcome,
        county_code=county_code, client_address=(who.address or "")[:64] or None,
        user_agent=(who.user_agent or "")[:200] or None))
