"""Roles and their scopes: what the sso service turns into token claims.

teacher (no scope: every teacher account carries it by its kind), business (one unit),
reviewer (one authority), operator, viewer (ministry statistics, read only), admin.
Who may hand out what: admins any role; operators every role but operator and admin,
so no operator can make another one or raise themselves."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from contracts.vocabulary import ROLES

SCOPE_UNIT = {"business"}
SCOPE_AUTHORITY = {"reviewer"}
OPERATOR_GRANTABLE = {"business", "reviewer", "viewer"}


class InvalidGrant(ValueError):
    pass


class NotAllowedToGrant(ValueError):
    pass


@dataclass(frozen=True)
class RoleGrant:
    grant_id: uuid.UUID
    account_id: uuid.UUID
    role: str
    unit_code: str | None
    authority_code: str | None
    granted_at: datetime
    granted_by: str
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    version: int = 1

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def check_scope(role: str, unit_code: str | None, authority_code: str | None) -> None:
    if role not in ROLES:
        raise InvalidGrant(f"unknown role {role!r}")
    if role == "teacher":
        raise InvalidGrant("the teacher role comes with a teacher account, it is not granted")
    if (role in SCOPE_UNIT) != (unit_code is not None):
        raise InvalidGrant(f"{role} needs a unit" if role in SCOPE_UNIT else f"{role} takes no unit")
    if (role in SCOPE_AUTHORITY) != (authority_code is not None):
        raise InvalidGrant(f"{role} needs an authority" if role in SCOPE_AUTHORITY
                           else f"{role} takes no authority")


def check_granter(granter_roles: frozenset[str], role: str) -> None:
    if "admin" in granter_roles:
        return
    if "operator" in granter_roles and role in OPERATOR_GRANTABLE:
        return
    raise NotAllowedToGrant(f"you may not grant or revoke {role}")


def revoke(grant: RoleGrant, by: str, at: datetime) -> RoleGrant:
    if not grant.active:
        raise InvalidGrant("the grant is already revoked")
    return replace(grant, revoked_at=at, revoked_by=by, version=grant.version + 1)
