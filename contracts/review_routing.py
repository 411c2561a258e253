"""Who reviews a unit's courses on a day (R-ORG-3, R-ORG-4), as the accounts events mean
it: the unit's supervising authority of that day, through the routing rule for the
unit's type in force that day. The accounts service answers from its own tables, the
courses service from its replica of the events; both apply these rules, so they route
alike. (One difference is known: before a unit's first period accounts answers that the
unit had no authority yet, while courses, which is not told when that period began,
answers with the unit's first authority.)"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from contracts.vocabulary import AUTHORITY_CODES, UNIT_TYPES

SUPERVISING_AUTHORITY, UNIT_COUNTY, FIXED = "supervising_authority", "unit_county", "fixed"
REVIEWERS = (SUPERVISING_AUTHORITY, UNIT_COUNTY, FIXED)


class InvalidRule(ValueError):
    pass


@dataclass(frozen=True)
class RoutingRule:
    """From ``effective_from``, courses of units of ``unit_type`` are reviewed by
    ``reviewer``. Rules are never edited: a change is a new rule from its date."""
    rule_id: str
    unit_type: str
    reviewer: str
    fixed_authority_code: str | None
    effective_from: date
    version: int = 1

    def __post_init__(self) -> None:
        if self.unit_type not in UNIT_TYPES:
            raise InvalidRule(f"unknown unit type {self.unit_type!r}")
        if self.reviewer not in REVIEWERS:
            raise InvalidRule(f"reviewer must be one of {', '.join(REVIEWERS)}")
        if (self.reviewer == FIXED) != (self.fixed_authority_code is not None):
            raise InvalidRule("a fixed authority is given exactly when the reviewer is 'fixed'")
        if self.fixed_authority_code is not None and self.fixed_authority_code not in AUTHORITY_CODES:
            raise InvalidRule(f"unknown authority {self.fixed_authority_code!r}")


def rule_on(rules: Iterable[RoutingRule], unit_type: str, day: date) -> RoutingRule | None:
    """The rule in force; None means the default: the supervising authority reviews."""
    candidates = [r for r in rules if r.unit_type == unit_type and r.effective_from <= day]
    return max(candidates, key=lambda r: r.effective_from, default=None)


def reviewing_authority(rule: RoutingRule | None, supervising: str | None,
                        county_code: str | None) -> str | None:
    if rule is None or rule.reviewer == SUPERVISING_AUTHORITY:
        return supervising
    if rule.reviewer == FIXED:
        return rule.fixed_authority_code
    # The county reviews; a unit recorded without a county stays with its supervisor.
    return county_code or supervising
