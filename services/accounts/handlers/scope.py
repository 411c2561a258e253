"""Who may act for whom, checked inside the use cases (the route only knows roles).

A business account acts for its own unit, a reviewer for its own authority; operators
and admins act for the whole network. A resource outside the caller's scope is answered
as if it did not exist (``NotFound``), so scope checks do not reveal what others have."""
from __future__ import annotations

from servicekit.errors import ApplicationError, Forbidden, Invalid, NotFound
from servicekit.tokens import Principal
from services.accounts.domain.teachers import OUTSIDE_AUTHORITY
from services.accounts.domain.units import Unit

NATIONAL_ROLES = ("operator", "admin")


def is_national(principal: Principal) -> bool:
    return principal.has_any_role(*NATIONAL_ROLES)


def reviews_for(principal: Principal, authority_code: str | None) -> bool:
    return (principal.has_any_role("reviewer") and principal.authority is not None
            and principal.authority == authority_code)


def acts_for_unit(principal: Principal, unit_code: str | None) -> bool:
    return (principal.has_any_role("business") and principal.unit is not None
            and principal.unit == unit_code)


def sees_teachers_of(principal: Principal, school: Unit | None) -> bool:
    """Whose teachers the caller may see in full (account, login, name, school): the
    network's staff every school's, a business account its own unit's, a reviewer those of
    the schools under its authority today."""
    if is_national(principal):
        return True
    return school is not None and (acts_for_unit(principal, school.code)
                                   or reviews_for(principal, school.authority_code))


def manages_teachers_of(principal: Principal, school: Unit | None) -> bool:
    """Whose teachers the caller may change (by hand, by import, by transfer): the network's
    staff every school's, a reviewer those of the schools under its authority today.
    ``school`` is the teacher's CURRENT school: the one a change would take them to is
    checked on its own. Seeing a teacher is not enough (the school's business accounts and
    the teacher see it too)."""
    return is_national(principal) or (school is not None
                                      and reviews_for(principal, school.authority_code))


def scope_of(principal: Principal) -> str:
    """The widest scope a token acts in, for audits: national, authority, unit or none."""
    if is_national(principal):
        return "national"
    if principal.has_any_role("reviewer") and principal.authority is not None:
        return "authority"
    if principal.has_any_role("business") and principal.unit is not None:
        return "unit"
    return "none"


def no_such(what: str) -> NotFound:
    """The error for a thing that does not exist or is outside the caller's scope: the
    two answer alike (``raise no_such(f"teacher {account_id}")``)."""
    return NotFound(f"no {what}")


def teacher_refused(reason: str, title: str, detail: str) -> ApplicationError:
    """A teacher's row or change refused: placing a teacher at a school outside the
    caller's authority is a matter of scope, anything else of the input."""
    if reason == OUTSIDE_AUTHORITY:
        return Forbidden(detail, slug=reason, title=title)
    return Invalid(reason, title, detail)
