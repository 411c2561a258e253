"""Browser sessions at the provider: what lets a teacher go on to the next partner site
without signing in again (R-SSO-5), whichever way they signed in.

The cookie holds a random value; the table keeps its digest. ``sid`` is the public name
of the session that id tokens and logout tokens carry.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from contracts.events.sso import ACCOUNT_SIGNED_IN
from servicekit.clock import Clock
from services.sso.adapters.digests import digest, new_token
from services.sso.adapters.unit_of_work import SsoWork
from services.sso.domain.accounts import Account
from services.sso.domain.sessions import StoredSession
from services.sso.handlers.backchannel import LogoutSender
from services.sso.handlers.sign_in_records import Client

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


def start_session(uow: SsoWork, clock: Clock, session_seconds: int, account: Account,
                  method: str, who: Client, county_code: str | None = None,
                  replacing: str | None = None) -> tuple[str, BrowserSession]:
    """A new session (and the cookie value that names it) for an account just signed in;
    the session of the cookie it ``replac``es ends (no session outlives its cookie), and
    with it the platform client's grants made in it."""
    cookie, sid, now = new_token(), new_token(), clock.now()
    with uow:
        if replacing:
            replaced = uow.sessions.end_by_cookie(digest(replacing), now)
            if replaced:
                uow.grants.revoke_session_bound(now, sid=replaced)
        uow.sessions.add(StoredSession(
            cookie_hash=digest(cookie), sid=sid, account_id=account.account_id, method=method,
            county_code=county_code, auth_time=now,
            expires_at=now + timedelta(seconds=session_seconds)))
        if method != "password":  # password sign-ins are recorded where they are checked
            # A known account's record names it by its login (handlers/sign_in_records.py).
            uow.login_records.add(now, account.login, account.account_id, method, "success",
                                  county_code, (who.address or "")[:64] or None,
                                  (who.user_agent or "")[:200] or None)
        uow.record(ACCOUNT_SIGNED_IN, {
            "account_id": account.account_id, "at": now.isoformat(), "method": method,
            "county_code": county_code})
    return cookie, BrowserSession(sid, account, method, county_code, now)


def current_session(uow: SsoWork, clock: Clock, cookie: str | None) -> BrowserSession | None:
    if not cookie or len(cookie) > 100:
        return None
    with uow:
        stored = uow.sessions.live_by_cookie(digest(cookie), clock.now())
        account = uow.accounts.get(stored.account_id) if stored else None
    if stored is None or account is None or not account.enabled:
        return None
    return BrowserSession(stored.sid, account, stored.method, stored.county_code,
                          stored.auth_time)


def end_sign_ins(uow: SsoWork, logouts: LogoutSender, account_id: str, reason: str,
                 keeping_grant: str | None = None) -> None:
    """Every session and grant of the account ends now (disabled, password reset or
    changed, county link undone), in the caller's open unit of work; the partners that
    asked are told after it commits. ``keeping_grant``: the grant (and the browser session
    it was issued in) that asked for this stays — when it is a live grant of this account."""
    now = logouts.clock.now()
    kept = uow.grants.unrevoked(keeping_grant) if keeping_grant else None
    if kept is not None and (kept.account_id != account_id or kept.expires_at <= now):
        kept = None  # a grant of someone else, or over, keeps nothing
    uow.sessions.end_all_of(account_id, now, keeping_sid=kept.sid if kept else None)
    ended = uow.grants.revoke_all_of(account_id, now, reason,
                                     keeping_grant=kept.grant_id if kept else None)
    deliveries = []
    for client_id, sid in dict.fromkeys(ended):
        client = uow.clients.get(client_id)
        if client is not None:
            deliveries.append(logouts.queue(uow, client, account_id, sid))
    logouts.deliver_after_commit(uow, deliveries)
