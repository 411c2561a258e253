"""Review routing (R-ORG-4): who reviews the courses of a unit, as a rule per unit type
that changes on a date (from 2017-07, courses of county-approved teacher organisations are
reviewed by the county). Rules are never edited: a change is a new rule from its date.
The rule itself, which one applies on a day and what it means are in
contracts.review_routing (the courses service applies the same)."""
from __future__ import annotations

from contracts.review_routing import RoutingRule


class OverlappingRule(ValueError):
    pass


def check_new_rule(existing: list[RoutingRule], rule: RoutingRule) -> None:
    """A new rule for a unit type must start after the latest one for that type."""
    dates = [r.effective_from for r in existing if r.unit_type == rule.unit_type]
    if dates and rule.effective_from <= max(dates):
        raise OverlappingRule(f"a rule for {rule.unit_type} from {max(dates).isoformat()} exists; "
                              f"a change must take effect after it")
