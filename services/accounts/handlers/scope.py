"""Who may act for whom, checked inside the use cases (the route only knows roles).

A business account acts for its own unit, a reviewer for its own authority; operators
and admins act for the whole network. A resource outside the caller's scope is answered
as if it did not exist (404), so scope checks do not reveal what others have."""
from __future__ import annotations

from servicekit.problems import Problem, not_found
from servicekit.tokens import Principal

NATIONAL_ROLES = ("operator", "admin")


def is_national(principal: Principal) -> bool:
    return principal.has_any_role(*NATIONAL_ROLES)


def reviews_for(principal: Principal, authority_code: str | None) -> bool:
    return (principal.has_any_role("reviewer") and principal.authority is not None
            and principal.authority == authority_code)


def acts_for_unit(principal: Principal, unit_code: str | None) -> bool:
    return (principal.has_any_role("business") and principal.unit is not None
            and principal.unit == unit_code)


def hidden(what: str) -> Problem:
    return not_found(f"no {what}")


def invalid(slug: str, title: str, detail: str, **extensions: object) -> Problem:
    return Problem(422, slug, title, detail, **extensions)
