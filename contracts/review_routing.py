"""Who reviews a unit's courses on a day (R-ORG-3, R-ORG-4), as the accounts events mean
it: the unit's supervising authority of that day, through the routing rule for the
unit's type in force that day. The accounts service answers from its own tables, the
courses service from its replica of the events; both apply these functions, so the two
answers cannot drift apart."""
from __future__ import annotations

from datetime import date
from typing import Iterable, Protocol, TypeVar

SUPERVISING_AUTHORITY, UNIT_COUNTY, FIXED = "supervising_authority", "unit_county", "fixed"
REVIEWERS = (SUPERVISING_AUTHORITY, UNIT_COUNTY, FIXED)


class Rule(Protocol):
    @property
    def unit_type(self) -> str: ...
    @property
    def reviewer(self) -> str: ...
    @property
    def fixed_authority_code(self) -> str | None: ...
    @property
    def effective_from(self) -> date: ...


R = TypeVar("R", bound=Rule)


def rule_on(rules: Iterable[R], unit_type: str, day: date) -> R | None:
    """The rule in force; None means the default: the supervising authority reviews."""
    candidates = [r for r in rules if r.unit_type == unit_type and r.effective_from <= day]
    return max(candidates, key=lambda r: r.effective_from, default=None)


def reviewing_authority(rule: Rule | None, supervising: str | None,
                        county_code: str | None) -> str | None:
    if rule is None or rule.reviewer == SUPERVISING_AUTHORITY:
        return supervising
    if rule.reviewer == FIXED:
        return rule.fixed_authority_code
    # The county reviews; a unit recorded without a county stays with its supervisor.
    return county_code or supervising
