"""The scheduled daily tidying (R-ACC-4, R-OPS-1): login and password-change records older
than the retention period go, and so does whatever has expired — codes, waiting
authorization requests, sessions, grants and their refresh tokens, county sign-ins that
were never linked, unused password links, idle lockout counters. Failed back-channel
logouts, password e-mails and maintenance e-mails are tried again.

``python -m services.sso tidy-records`` runs it (see ``__main__.py``)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.sql import Executable

from servicekit.dml import rows_changed
from services.sso.adapters.grants_repo import GrantRepository
from services.sso.adapters.tables.county import county_arrivals, upstream_logins
from services.sso.adapters.tables.credentials import (
    password_changes,
    password_mails,
    password_setups,
)
from services.sso.adapters.tables.grants import (
    authorization_codes,
    authorization_requests,
    grants,
    refresh_tokens,
)
from services.sso.adapters.tables.sessions import browser_sessions, logout_deliveries
from services.sso.adapters.tables.sign_ins import login_records, login_throttle
from services.sso.dependencies import SsoDependencies
from services.sso.handlers import notices
from services.sso.handlers.password_mails import send_queued


def tidy_records(sso: SsoDependencies, retention_days: int | None = None) -> dict[str, int]:
    now = sso.clock.now()
    keep_since = now - timedelta(days=retention_days or sso.config.record_retention_days)
    idle = now - timedelta(seconds=max(sso.config.lockout_window_seconds,
                                       sso.config.lockout_seconds))
    counts: dict[str, int] = {}
    with sso.database.session() as session:
        def remove(name: str, statement: Executable) -> None:
            counts[name] = rows_changed(session.execute(statement))

        remove("login_records", delete(login_records).where(login_records.c.at < keep_since))
        remove("password_changes", delete(password_changes).where(
            password_changes.c.changed_at < keep_since))
        remove("authorization_codes", delete(authorization_codes).where(
            authorization_codes.c.expires_at < now - timedelta(days=1)))
        remove("authorization_requests", delete(authorization_requests).where(
            authorization_requests.c.expires_at < now))
        remove("password_setups", delete(password_setups).where(
            password_setups.c.expires_at < now - timedelta(days=1)))
        remove("upstream_logins", delete(upstream_logins).where(upstream_logins.c.expires_at < now))
        # Before the sessions go: the platform client's grants end with their session.
        counts["grants_of_ended_sessions"] = GrantRepository(session).revoke_session_bound(now)
        remove("browser_sessions", delete(browser_sessions).where(or_(
            browser_sessions.c.expires_at < now,
            browser_sessions.c.ended_at < now - timedelta(days=1))))
        ended = select(grants.c.grant_id).where(or_(
            grants.c.expires_at < now, grants.c.revoked_at < now - timedelta(days=1)))
        remove("refresh_tokens", delete(refresh_tokens).where(or_(
            refresh_tokens.c.grant_id.in_(ended), refresh_tokens.c.expires_at < now)))
        remove("grants", delete(grants).where(grants.c.grant_id.in_(ended)))
        remove("county_arrivals", delete(county_arrivals).where(county_arrivals.c.expires_at < now))
        remove("login_throttle", delete(login_throttle).where(
            login_throttle.c.window_started_at < idle,
            or_(login_throttle.c.locked_until.is_(None), login_throttle.c.locked_until < now)))
        remove("logout_deliveries", delete(logout_deliveries).where(and_(
            logout_deliveries.c.created_at < now - timedelta(days=7))))
        remove("password_mails", delete(password_mails).where(
            password_mails.c.created_at < now - timedelta(days=7)))
    counts["logout_deliveries_sent"] = sso.logout_sender.deliver()
    counts["password_mails_sent"] = send_queued(sso)
    counts["notice_mails_sent"] = notices.send_pending(sso)
    return counts
