"""Accounts as the sso service knows them: a replica of the accounts service's events
(status, roles, unit, county), never written otherwise."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RoleGrant:
    role: str
    unit_code: str | None = None
    authority_code: str | None = None


@dataclass(frozen=True)
class Account:
    account_id: str
    login: str
    kind: str
    status: str
    display_name: str
    email: str | None = None
    unit_code: str | None = None
    authority_code: str | None = None
    county_code: str | None = None
    grants: tuple[RoleGrant, ...] = field(default=())

    @property
    def enabled(self) -> bool:
        return self.status == "enabled"

    @property
    def is_teacher(self) -> bool:
        return self.kind == "teacher"

    def roles(self) -> list[str]:
        """Granted roles, plus the one an account's kind implies (a teacher account is a
        teacher, a business account acts for its unit)."""
        implied = {"teacher": "teacher", "business": "business"}.get(self.kind)
        names = {grant.role for grant in self.grants}
        if implied:
            names.add(implied)
        return sorted(names)

    def unit(self) -> str | None:
        """The unit a business account acts for (tokens carry one)."""
        for grant in self.grants:
            if grant.role == "business" and grant.unit_code:
                return grant.unit_code
        return self.unit_code if self.kind == "business" else None

    def authority(self) -> str | None:
        """The authority a reviewer acts for."""
        for grant in self.grants:
            if grant.role == "reviewer" and grant.authority_code:
                return grant.authority_code
        return self.authority_code if "reviewer" in self.roles() else None

    def claims(self, released: set[str]) -> dict[str, str]:
        """Profile claims, only those released to the client (claims minimisation)."""
        available = {"name": self.display_name, "email": self.email,
                     "school_code": self.unit_code, "county_code": self.county_code}
        return {name: value for name, value in available.items()
                if name in released and value}
