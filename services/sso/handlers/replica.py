"""Keeping the accounts replica from accounts events, inside the consumer's transaction
(its inbox row commits with this, so each event counts once). An older version arriving
late never overwrites a newer one.

An account that stops being enabled loses its sign-ins at once: its browser sessions end
and its grants are revoked, so no refresh token of it works any more, and every partner
it signed in to that registered for back-channel logout is told.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from contracts.events.accounts import ACCOUNT_CREATED, ACCOUNT_UPDATED, ROLE_GRANTED, ROLE_REVOKED
from servicekit.events import Envelope
from servicekit.replica import upsert_newer
from services.sso.adapters.tables.accounts import accounts, role_grants
from services.sso.dependencies import SsoDependencies
from services.sso.domain.logins import folded
from services.sso.handlers.sessions import end_sign_ins

Handler = Callable[[Session, dict[str, Any], Envelope], None]


def handlers(sso: SsoDependencies) -> dict[str, Handler]:
    def apply_account(session: Session, data: dict[str, Any], _envelope: Envelope) -> None:
        if apply_account_data(session, data, sso.clock.now()):
            end_sign_ins(sso.joining(session), sso.logout_sender, str(data["account_id"]), "account-" + data["status"])

    def role_granted(session: Session, data: dict[str, Any], _envelope: Envelope) -> None:
        apply_role_granted(session, data, sso.clock.now())

    def role_revoked(session: Session, data: dict[str, Any], _envelope: Envelope) -> None:
        apply_role_revoked(session, data, sso.clock.now())
    return {ACCOUNT_CREATED: apply_account, ACCOUNT_UPDATED: apply_account,
            ROLE_GRANTED: role_granted, ROLE_REVOKED: role_revoked}


def apply_account_data(session: Session, data: dict[str, Any], now: datetime) -> bool:
    """Writes the newer version; True when the account can no longer sign in."""
    account_id = str(data["account_id"])
    written = upsert_newer(session, accounts, ["account_id"], [{
        "account_id": account_id, "login": folded(data["login"]), "kind": data["kind"],
        "status": data["status"], "display_name": data["display_name"],
        "email": data.get("email"), "unit_code": data.get("unit_code"),
        "authority_code": data.get("authority_code"), "county_code": data.get("county_code"),
        "version": data["version"]}], shared={"updated_at": now}, report_written=True)
    return bool(written) and data["status"] != "enabled"


def apply_role_granted(session: Session, data: dict[str, Any], now: datetime) -> None:
    _apply_grant(session, data, True, now)


def apply_role_revoked(session: Session, data: dict[str, Any], now: datetime) -> None:
    _apply_grant(session, data, False, now)


def _apply_grant(session: Session, data: dict[str, Any], active: bool, now: datetime) -> None:
    # A revocation carrying the grant's own version still ends it.
    upsert_newer(session, role_grants, ["grant_id"], [{
        "grant_id": str(data["grant_id"]), "account_id": str(data["account_id"]),
        "role": data["role"], "unit_code": data.get("unit_code"),
        "authority_code": data.get("authority_code"), "active": active,
        "version": data["version"]}], shared={"updated_at": now},
        tie_wins_when={"active": False})
