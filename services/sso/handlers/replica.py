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

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from servicekit.events import Envelope
from services.sso.adapters.orm import accounts, role_grants, utcnow
from services.sso.context import Sso
from services.sso.handlers.sessions import end_sign_ins

ACCOUNT_CREATED = "accounts.account.created.v1"
ACCOUNT_UPDATED = "accounts.account.updated.v1"
ROLE_GRANTED = "accounts.role.granted.v1"
ROLE_REVOKED = "accounts.role.revoked.v1"


Handler = Callable[[Session, dict[str, Any], Envelope], None]


def handlers(sso: Sso) -> dict[str, Handler]:
    def apply_account(session: Session, data: dict[str, Any], _envelope: Envelope) -> None:
        if apply_account_data(session, data):
            end_sign_ins(session, sso, str(data["account_id"]), "account-" + data["status"])
    return {ACCOUNT_CREATED: apply_account, ACCOUNT_UPDATED: apply_account,
            ROLE_GRANTED: apply_role_granted, ROLE_REVOKED: apply_role_revoked}


def apply_account_data(session: Session, data: dict[str, Any]) -> bool:
    """Writes the newer version; True when the account can no longer sign in."""
    account_id = str(data["account_id"])
    current = session.execute(select(accounts.c.version, accounts.c.status)
                              .where(accounts.c.account_id == account_id)).first()
    row = {"login": data["login"].lower(), "kind": data["kind"], "status": data["status"],
           "display_name": data["display_name"], "email": data.get("email"),
           "unit_code": data.get("unit_code"), "authority_code": data.get("authority_code"),
           "county_code": data.get("county_code"), "version": data["version"],
           "updated_at": utcnow()}
    if current is None:
        session.execute(insert(accounts).values(account_id=account_id, **row))
    elif current.version < data["version"]:
        session.execute(update(accounts).where(accounts.c.account_id == account_id).values(**row))
    else:
        return False
    return data["status"] != "enabled"


def apply_role_granted(session: Session, data: dict[str, Any], _envelope: Envelope) -> None:
    _apply_grant(session, data, active=True)


def apply_role_revoked(session: Session, data: dict[str, Any], _envelope: Envelope) -> None:
    _apply_grant(session, data, active=False)


def _apply_grant(session: Session, data: dict[str, Any], active: bool) -> None:
    grant_id = str(data["grant_id"])
    current = session.scalar(select(role_grants.c.version)
                             .where(role_grants.c.grant_id == grant_id))
    row = {"account_id": str(data["account_id"]), "role": data["role"],
           "unit_code": data.get("unit_code"), "authority_code": data.get("authority_code"),
           "active": active, "version": data["version"], "updated_at": utcnow()}
    if current is None:
        session.execute(insert(role_grants).values(grant_id=grant_id, **row))
    elif current < data["version"] or (current == data["version"] and not active):
        # A revocation carrying the grant's own version still ends it.
        session.execute(update(role_grants).where(role_grants.c.grant_id == grant_id).values(**row))

