"""Keeping the accounts replica from accounts events, inside the consumer's transaction
(its inbox row commits with this, so each event counts once). An older version arriving
late never overwrites a newer one.

An account that stops being enabled loses its sign-ins at once: its browser sessions end
and its grants are revoked, so no refresh token of it works any more, and every partner
it signed in to that registered for back-channel logout is told.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from contracts.events.accounts import ACCOUNT_CREATED, ACCOUNT_UPDATED, ROLE_GRANTED, ROLE_REVOKED
from servicekit.clock import Clock
from servicekit.events import Envelope
from services.sso.adapters.unit_of_work import SsoWork
from services.sso.domain.logins import folded
from services.sso.handlers.sign_outs import SignOut

Handler = Callable[[Session, dict[str, Any], Envelope], None]


def handlers(joining: Callable[[Session], SsoWork], clock: Clock,
             sign_out: SignOut) -> dict[str, Handler]:
    """The consumer's handlers: each works in the consumer's transaction (its inbox row
    commits with what the handler writes)."""
    def account(session: Session, data: dict[str, Any], _envelope: Envelope) -> None:
        apply_account(joining(session), clock, sign_out, data)

    def granted(session: Session, data: dict[str, Any], _envelope: Envelope) -> None:
        apply_role_granted(joining(session), clock, data)

    def revoked(session: Session, data: dict[str, Any], _envelope: Envelope) -> None:
        apply_role_revoked(joining(session), clock, data)
    return {ACCOUNT_CREATED: account, ACCOUNT_UPDATED: account,
            ROLE_GRANTED: granted, ROLE_REVOKED: revoked}


def apply_account(uow: SsoWork, clock: Clock, sign_out: SignOut,
                  data: dict[str, Any]) -> None:
    """Writes the newer version; an account that can no longer sign in loses its sign-ins."""
    account_id = str(data["account_id"])
    written = uow.accounts_replica.put_account({
        "account_id": account_id, "login": folded(data["login"]), "kind": data["kind"],
        "status": data["status"], "display_name": data["display_name"],
        "email": data.get("email"), "unit_code": data.get("unit_code"),
        "authority_code": data.get("authority_code"), "county_code": data.get("county_code"),
        "version": data["version"]}, clock.now())
    if written and data["status"] != "enabled":
        sign_out(uow, account_id, "account-" + data["status"])
def apply_role_granted(uow: SsoWork, clock: Clock, data: dict[str, Any]) -> None:
    _apply_grant(uow, clock, data, active=True)


def apply_role_revoked(uow: SsoWork, clock: Clock, data: dict[str, Any]) -> None:
    _apply_grant(uow, clock, data, active=False)


def _apply_grant(uow: SsoWork, clock: Clock, data: dict[str, Any], active: bool) -> None:
    uow.accounts_replica.put_grant({
        "grant_id": str(data["grant_id"]), "account_id": str(data["account_id"]),
        "role": data["role"], "unit_code": data.get("unit_code"),
        "authority_code": data.get("authority_code"), "active": active,
        "version": data["version"]}, clock.now())
