"""The courses service's own dependencies, built once per runtime (``runtime.components``):
its unit of work and the rules its settings set."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from servicekit.service import Runtime
from servicekit.settings import InvalidSetting
from services.courses.adapters.uow import CoursesUnitOfWork


@dataclass(frozen=True)
class ClosingRules:
    """R-CRS-2, R-CRS-5, R-CRS-7: hours are due ``due_days`` after a course's last day
    (COURSES_HOURS_DUE_DAYS, 7); the light counts a course overdue after the same days;
    a red light blocks submission from ``light_enforced_from`` (COURSES_LIGHT_ENFORCED_FROM,
    an ISO date; before it, a warning only)."""
    due_days: int = 7
    light_enforced_from: date = date(2017, 11, 1)


@dataclass(frozen=True)
class CoursesComponents:
    uow: Callable[[], CoursesUnitOfWork]
    closing: ClosingRules


def closing_rules(runtime: Runtime[CoursesComponents]) -> ClosingRules:
    settings = runtime.settings
    raw = settings.value("LIGHT_ENFORCED_FROM", ClosingRules.light_enforced_from.isoformat())
    try:
        enforced_from = date.fromisoformat(raw)
    except ValueError:
        raise InvalidSetting(f"COURSES_LIGHT_ENFORCED_FROM = {raw!r}: not an ISO date") from None
    return ClosingRules(due_days=settings.positive_int("HOURS_DUE_DAYS", 7),
                        light_enforced_from=enforced_from)


def build(runtime: Runtime[CoursesComponents]) -> CoursesComponents:
    return CoursesComponents(uow=lambda: CoursesUnitOfWork(runtime.database, runtime.outbox),
                             closing=closing_rules(runtime))
