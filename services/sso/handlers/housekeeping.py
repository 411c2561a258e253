"""The scheduled daily tidying (R-ACC-4, R-OPS-1): login and password-change records older
than the retention period go, and so does whatever has expired — codes, waiting
authorization requests, sessions, grants and their refresh tokens, county sign-ins that
were never linked, unused password links, idle lockout counters. Failed back-channel
logouts, password e-mails and maintenance e-mails are tried again.

``python -m services.sso tidy-records`` runs it (see ``__main__.py``)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.sql import Executable

from servicekit.dml import rows_changed
from services.sso.adapters.grants_repo import GrantRepository
from services.sso.adapters.tables.county import upstream_logins
from services.sso.adapters.tables.grants import (
    authorization_codes,
    authorization_requests,
    grants,
    refresh_tokens,
)
from services.sso.adapters.tables.sessions import browser_sessions, logout_deliveries
from services.sso.dependencies import SsoDependencies
from services.sso.handlers import notices
from services.sso.handlers.password_mails import send_queued


def tidy_records(sso: SsoDependencies, retention_days: int | None = None) -> dict[str, int]:
    now = sso.clock.now()
    keep_since = now - timedelta(days=retention_days or sso.config.record_retention_days)
    counts: dict[str, int] = {}
    uow = sso.unit_of_work()
    with uow:
        counts["login_records"] = uow.login_records.remove_before(keep_since)
        counts["password_changes"] = uow.credentials.remove_changes_before(keep_since)
        counts["password_setups"] = uow.password_links.remove_expired(now - timedelta(days=1))
        counts["county_arrivals"] = uow.county_links.remove_expired_arrivals(now)
        counts["password_mails"] = uow.password_links.remove_mails_before(now - timedelta(days=7))
    counts["login_throttle"] = sso.throttle.remove_idle(now - timedelta(
        seconds=max(sso.config.lockout_window_seconds, sso.config.lockout_seconds)))
    counts.update(_tidy_sign_ons(sso, now))
    counts["logout_deliveries_sent"] = sso.logout_sender.deliver()
    counts["password_mails_sent"] = send_queued(sso.mailing)
    counts["notice_mails_sent"] = notices.send_pending(uow, sso.clock, sso.mailer)
    return counts


def _tidy_sign_ons(sso: SsoDependencies, now: datetime) -> dict[str, int]:
    """What expired of sign-ons: codes, waiting requests, sessions, grants and their
    refresh tokens, upstream sign-ons, old back-channel logouts."""
    counts: dict[str, int] = {}
    with sso.database.session() as session:
        def remove(name: str, statement: Executable) -> None:
            counts[name] = rows_changed(session.execute(statement))

        remove("authorization_codes", delete(authorization_codes).where(
            authorization_codes.c.expires_at < now - timedelta(days=1)))
        remove("authorization_requests", delete(authorization_requests).where(
            authorization_requests.c.expires_at < now))
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
        remove("logout_deliveries", delete(logout_deliveries).where(and_(
            logout_deliveries.c.created_at < now - timedelta(days=7))))
    return counts
