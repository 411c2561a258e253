"""The scheduled daily tidying (R-ACC-4, R-OPS-1): login and password-change records older
than the retention period go, and so does whatever has expired — codes, waiting
authorization requests, sessions, grants and their refresh tokens, county sign-ins that
were never linked, unused password links, idle lockout counters. Failed back-channel
logouts, password e-mails and maintenance e-mails are tried again.

``python -m services.sso tidy-records`` runs it (see ``__main__.py``)."""
from __future__ import annotations

from datetime import timedelta

from services.sso.dependencies import SsoDependencies
from services.sso.handlers import notices
from services.sso.handlers.password_mails import send_queued


def tidy_records(sso: SsoDependencies, retention_days: int | None = None) -> dict[str, int]:
    now = sso.clock.now()
    keep_since = now - timedelta(days=retention_days or sso.config.record_retention_days)
    a_day_ago, a_week_ago = now - timedelta(days=1), now - timedelta(days=7)
    counts: dict[str, int] = {}
    uow = sso.unit_of_work()
    with uow:
        counts["login_records"] = uow.login_records.remove_before(keep_since)
        counts["password_changes"] = uow.credentials.remove_changes_before(keep_since)
        counts["password_setups"] = uow.password_links.remove_expired(a_day_ago)
        counts["password_mails"] = uow.password_links.remove_mails_before(a_week_ago)
        counts["county_arrivals"] = uow.county_links.remove_expired_arrivals(now)
        counts["upstream_logins"] = uow.upstream_logins.remove_expired(now)
        # Before the sessions go: the platform client's grants end with their session.
        counts["grants_of_ended_sessions"] = uow.grants.revoke_session_bound(now)
        counts["browser_sessions"] = uow.sessions.remove_ended(now, a_day_ago)
        counts.update(uow.grants.remove_expired(now, codes_before=a_day_ago,
                                                revoked_before=a_day_ago))
        counts["logout_deliveries"] = uow.logout_deliveries.remove_before(a_week_ago)
    counts["login_throttle"] = sso.throttle.remove_idle(now - timedelta(
        seconds=max(sso.config.lockout_window_seconds, sso.config.lockout_seconds)))
    counts["logout_deliveries_sent"] = sso.logout_sender.deliver()
    counts["password_mails_sent"] = send_queued(sso.mailing)
    counts["notice_mails_sent"] = notices.send_pending(uow, sso.clock, sso.mailer)
    return counts
