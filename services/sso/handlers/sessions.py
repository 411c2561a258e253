"""Browser sessions at the provider: what lets a teacher go on to the next partner site
without signing in again (R-SSO-5), whichever way they signed in.

The cookie holds a random value; the table keeps its digest. ``sid`` is the public name
of the session that id tokens and logout tokens carry.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from contracts.events.sso import ACCOUNT_SIGNED_IN
from servicekit.dml import rows_changed
from services.sso.adapters.digests import digest, new_token
from services.sso.adapters.login_records_repo import LoginRecordRepository
from services.sso.adapters.repository import AccountRepository, ClientRepository
from services.sso.adapters.tables.clients import clients
from services.sso.adapters.tables.grants import grants
from services.sso.adapters.tables.sessions import browser_sessions
from services.sso.dependencies import SsoDependencies
from services.sso.domain.accounts import Account
from services.sso.domain.clients import FIRST_PARTY
from services.sso.handlers.backchannel import deliver_after_commit, queue_logout
from services.sso.handlers.sign_in_records import Client, record_login

AMR = {"password": "pwd", "county_service": "fed", "county_oidc": "fed"}


@dataclass(frozen=True)
class BrowserSession:
    sid: str
    account: Account
    method: str
    county_code: str | None
    auth_time: datetime

    @property
    def amr(self) -> str:
        return AMR[self.method]


def start_session(sso: SsoDependencies, account: Account, method: str, who: Client,
                  county_code: str | None = None,
                  replacing: str | None = None) -> tuple[str, BrowserSession]:
    """A new session (and the cookie value that names it) for an account just signed in;
    the session of the cookie it ``replac``es ends (no session outlives its cookie)."""
    cookie, sid, now = new_token(), new_token(), sso.clock.now()
    with sso.database.session() as session:
        if replacing:
            replaced = session.scalar(update(browser_sessions).where(
                browser_sessions.c.cookie_hash == digest(replacing),
                browser_sessions.c.ended_at.is_(None)).values(ended_at=now)
                .returning(browser_sessions.c.sid))
            if replaced:
                revoke_session_bound_grants(session, now, grants.c.sid == replaced)
        session.execute(insert(browser_sessions).values(
            cookie_hash=digest(cookie), sid=sid, account_id=account.account_id, method=method,
            county_code=county_code, auth_time=now,
            expires_at=now + timedelta(seconds=sso.config.session_seconds)))
        if method != "password":  # password sign-ins are recorded where they are checked
            record_login(LoginRecordRepository(session), sso.name_digests, now, account,
                         account.login, method, "success", who, county_code)
        sso.outbox.record(session, ACCOUNT_SIGNED_IN, {
            "account_id": account.account_id, "at": now.isoformat(), "method": method,
            "county_code": county_code})
    return cookie, BrowserSession(sid, account, method, county_code, now)


def current_session(sso: SsoDependencies, cookie: str | None) -> BrowserSession | None:
    if not cookie or len(cookie) > 100:
        return None
    now = sso.clock.now()
    with sso.database.session() as session:
        row = session.execute(select(browser_sessions).where(
            browser_sessions.c.cookie_hash == digest(cookie),
            browser_sessions.c.ended_at.is_(None),
            browser_sessions.c.expires_at > now)).first()
        account = AccountRepository(session).get(row.account_id) if row else None
    if row is None or account is None or not account.enabled:
        return None
    return BrowserSession(row.sid, account, row.method, row.county_code, row.auth_time)


def end_session(sso: SsoDependencies, sid: str) -> bool:
    with sso.database.session() as session:
        return rows_changed(session.execute(update(browser_sessions).where(
            browser_sessions.c.sid == sid, browser_sessions.c.ended_at.is_(None))
            .values(ended_at=sso.clock.now()))) == 1


def revoke_session_bound_grants(session: Session, now: datetime, which: Any) -> int:
    """The platform's own client's grants (``which`` of them) end with their browser
    session: revoked here when the session ends, and refused at refresh anyway
    (issuing.grant_end) should the session have expired without anyone noticing."""
    first_party = select(clients.c.client_id).where(clients.c.kind == FIRST_PARTY)
    return rows_changed(session.execute(update(grants).where(
        which, grants.c.revoked_at.is_(None), grants.c.client_id.in_(first_party))
        .values(revoked_at=now, revoked_reason="session-ended")))


def end_sign_ins(session: Session, sso: SsoDependencies, account_id: str, reason: str,
                 keeping_grant: str | None = None) -> None:
    """Every session and grant of the account ends now (disabled, password reset or
    changed, county link undone), in the caller's transaction; the partners that asked are
    told after it commits. ``keeping_grant``: the grant (and the browser session it was
    issued in) that asked for this stays — when it is a live grant of this account."""
    now = sso.clock.now()
    kept_grant, kept_sid = _live_grant_of(session, account_id, keeping_grant, now)
    sessions_query = update(browser_sessions).where(
        browser_sessions.c.account_id == account_id, browser_sessions.c.ended_at.is_(None))
    if kept_sid is not None:
        sessions_query = sessions_query.where(browser_sessions.c.sid != kept_sid)
    session.execute(sessions_query.values(ended_at=now))
    grants_query = update(grants).where(grants.c.account_id == account_id,
                                        grants.c.revoked_at.is_(None))
    if kept_grant is not None:
        grants_query = grants_query.where(grants.c.grant_id != kept_grant)
    ended = session.execute(grants_query.values(revoked_at=now, revoked_reason=reason)
                            .returning(grants.c.client_id, grants.c.sid)).all()
    clients = ClientRepository(session)
    deliveries = []
    for client_id, sid in dict.fromkeys((row.client_id, row.sid) for row in ended):
        client = clients.get(client_id)
        if client is not None:
            deliveries.append(queue_logout(session, sso, client, account_id, sid))
    deliver_after_commit(session, sso, deliveries)


def _live_grant_of(session: Session, account_id: str, grant_id: str | None,
                   now: datetime) -> tuple[str | None, str | None]:
    """(grant id, its browser session's sid) when ``grant_id`` is a live grant of the
    account; (None, None) otherwise — a grant of someone else keeps nothing."""
    if not grant_id:
        return None, None
    row = session.execute(select(grants.c.grant_id, grants.c.sid).where(
        grants.c.grant_id == grant_id, grants.c.account_id == account_id,
        grants.c.revoked_at.is_(None), grants.c.expires_at > now)).first()
    return (row.grant_id, row.sid) if row else (None, None)
