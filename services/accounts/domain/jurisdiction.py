"""Which authority supervises a unit, over time (R-ORG-3).

A unit's history is a run of periods without gaps or overlaps: each starts on
``valid_from`` and ends the day before ``valid_until`` (None: still in force). A transfer
from date D closes the last period at D and opens one from D. Before D the old authority
answers, from D the new one, and the past stays as it was.

A change may be recorded late with an earlier date (the 39 Taichung schools: decided for
2017-01-01, recorded on 2017-01-25), but never at or before the start of the unit's last
period: that would rewrite a change already made, which is an overlap."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date


class OverlappingChange(ValueError):
    pass


class NoChange(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    authority_code: str
    valid_from: date
    valid_until: date | None
    reference: str

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day < self.valid_until)


def authority_on(history: list[Period], day: date) -> str | None:
    """None when the unit was not yet supervised by anyone we know of on that day."""
    for period in history:
        if period.covers(day):
            return period.authority_code
    return None


def transfer(history: list[Period], to_authority: str, effective_from: date,
             reference: str) -> tuple[Period, Period]:
    """The last period closed at ``effective_from`` and the new one; raises when the
    change would overlap one already recorded or changes nothing."""
    if not history:
        raise OverlappingChange("the unit has no jurisdiction to transfer from")
    last = history[-1]
    if effective_from <= last.valid_from:
        raise OverlappingChange(
            f"a change from {last.valid_from.isoformat()} is already recorded; a transfer "
            f"must take effect after it")
    if last.authority_code == to_authority:
        raise NoChange(f"the unit already belongs to {to_authority} from "
                       f"{last.valid_from.isoformat()}")
    return (replace(last, valid_until=effective_from),
            Period(to_authority, effective_from, None, reference))
