"""Review routing (R-ORG-4): who reviews the courses of a unit, as a rule per unit type
that changes on a date (from 2017-07, courses of county-approved teacher organisations are
reviewed by the county). Rules are never edited: a change is a new rule from its date.
Which rule applies on a day, and what it means, is in contracts.review_routing (the
courses service applies the same)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from contracts.review_routing import FIXED, REVIEWERS
from contracts.vocabulary import AUTHORITY_CODES, UNIT_TYPES


class InvalidRule(ValueError):
    pass


class OverlappingRule(ValueError):
    pass


@dataclass(frozen=True)
class RoutingRule:
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


def check_new_rule(existing: list[RoutingRule], rule: RoutingRule) -> None:
    """A new rule for a unit type must start after the latest one for that type."""
    dates = [r.effective_from for r in existing if r.unit_type == rule.unit_type]
    if dates and rule.effective_from <= max(dates):
        raise OverlappingRule(f"a rule for {rule.unit_type} from {max(dates).isoformat()} exists; "
                              f"a change must take effect after it")
