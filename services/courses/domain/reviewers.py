"""Which authority reviews a unit's courses on a day, from what courses knows (R-ORG-3,
R-ORG-4): the supervising authority of that day — the last jurisdiction change in force,
or before the first change the authority it moved from — then the routing rule of that
day (contracts.review_routing, the same rule the accounts service applies)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from contracts.review_routing import (
    SUPERVISING_AUTHORITY,
    RoutingRule,
    reviewing_authority,
    rule_on,
)


@dataclass(frozen=True)
class JurisdictionChange:
    effective_from: date
    from_authority_code: str
    to_authority_code: str


@dataclass(frozen=True)
class Reviewer:
    supervising_authority_code: str
    reviewing_authority_code: str | None
    rule_id: str | None
    reviewer: str


def supervising_on(latest_known: str, changes: list[JurisdictionChange], day: date) -> str:
    """``latest_known``: the authority of the unit's last event, right while no change is
    recorded (a unit's first period has no change to date it)."""
    in_force = [c for c in changes if c.effective_from <= day]
    if in_force:
        return max(in_force, key=lambda c: c.effective_from).to_authority_code
    if changes:
        return min(changes, key=lambda c: c.effective_from).from_authority_code
    return latest_known


def reviewer_on(unit_type: str, county_code: str | None, latest_known: str,
                changes: list[JurisdictionChange], rules: list[RoutingRule], day: date) -> Reviewer:
    supervising = supervising_on(latest_known, changes, day)
    rule = rule_on(rules, unit_type, day)
    return Reviewer(supervising, reviewing_authority(rule, supervising, county_code),
                    rule.rule_id if rule else None,
                    rule.reviewer if rule else SUPERVISING_AUTHORITY)
