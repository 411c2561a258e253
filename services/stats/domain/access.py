"""Who sees what (issue 13, item 4): ministry viewers, operators and administrators see
every figure; a reviewer sees their authority (and each unit's share while it was theirs);
a business account sees its own unit, across its whole history (R-STA-4)."""
from __future__ import annotations

from servicekit.errors import Forbidden
from services.stats.domain.reports import (
    AUTHORITY_SCOPE,
    NATIONAL_SCOPE,
    UNIT_SCOPE,
    Report,
    Scope,
)

NATIONAL_ROLES = ("viewer", "operator", "admin")


def out_of_scope(detail: str) -> Forbidden:
    return Forbidden(detail, slug="out-of-scope", title="Not in your scope")


def scope_for(roles: frozenset[str], own_unit: str | None, own_authority: str | None,
              authority: str | None, unit: str | None) -> Scope:
    """The scope a caller reads in, from what they asked (``authority``, ``unit``) and
    what their roles allow; asking past it is refused, never narrowed silently."""
    if not roles.isdisjoint(NATIONAL_ROLES):
        if unit:
            return Scope(AUTHORITY_SCOPE if authority else UNIT_SCOPE, authority, unit)
        if authority:
            return Scope(AUTHORITY_SCOPE, authority)
        return Scope(NATIONAL_SCOPE)
    if "reviewer" in roles and own_authority:
        if authority and authority != own_authority:
            raise out_of_scope(f"a reviewer of {own_authority} reads only its figures")
        return Scope(AUTHORITY_SCOPE, own_authority, unit or None)
    if "business" in roles and own_unit:
        if authority or (unit and unit != own_unit):
            raise out_of_scope(f"a business account of {own_unit} reads only its unit")
        return Scope(UNIT_SCOPE, None, own_unit)
    raise out_of_scope("no statistics scope: a reviewer needs an authority, a business "
                        "account a unit")


def check_report_scope(report: Report, scope: Scope) -> None:
    if scope.kind not in report.scopes:
        raise out_of_scope(f"the report {report.name} is read in scope "
                            f"{', '.join(sorted(report.scopes))}, not {scope.kind}")
