"""The traffic light of each unit (R-CRS-7): counted again for a unit whenever one of its
courses closes (same transaction), and for every unit by the scheduled recount
(``python -m services.courses recount-lights``), since time alone makes a course overdue.
A change of colour is published; ``GET /units/<code>/light`` counts at the moment asked."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from contracts.calendar import taipei_date
from contracts.events.courses import UNIT_LIGHT_CHANGED
from servicekit.clock import Clock
from servicekit.errors import NotFound
from services.courses.adapters.uow import CoursesUnitOfWork
from services.courses.config import ClosingRules
from services.courses.domain import closing
from services.courses.domain.lights import Light, SubmissionGate, colour, gate, overdue_courses

if TYPE_CHECKING:  # the token's reader pulls in the web stack; handlers need only its shape
    from servicekit.tokens import Principal


def _count(uow: CoursesUnitOfWork, rules: ClosingRules, unit_code: str,
           today: date) -> list[closing.HeldCourse]:
    return overdue_courses(uow.closing.held_not_closed(today.year, unit_code), today,
                           rules.due_days)


def _keep(uow: CoursesUnitOfWork, clock: Clock, unit_code: str, year: int,
          overdue: int) -> bool:
    kept = uow.light_counts.get(unit_code)
    if kept is not None and (kept.year, kept.overdue) == (year, overdue):
        return False
    light = Light(unit_code, year, overdue, colour(overdue), (kept.version if kept else 0) + 1)
    uow.light_counts.save(light, clock.now())
    if kept is None or kept.light != light.light:
        uow.record(UNIT_LIGHT_CHANGED, {"unit_code": unit_code, "light": light.light,
                                        "overdue": overdue, "year": year,
                                        "version": light.version})
    return kept is None or kept.light != light.light


def recount_unit(uow: CoursesUnitOfWork, clock: Clock, rules: ClosingRules,
                 unit_code: str) -> None:
    """Inside the caller's unit of work."""
    today = taipei_date(clock.now())
    _keep(uow, clock, unit_code, today.year, len(_count(uow, rules, unit_code, today)))


def recount_all(uow: CoursesUnitOfWork, clock: Clock, rules: ClosingRules) -> dict[str, Any]:
    today = taipei_date(clock.now())
    with uow:
        overdue: dict[str, int] = {}
        for course in overdue_courses(uow.closing.held_not_closed(today.year), today,
                                      rules.due_days):
            overdue[course.unit_code] = overdue.get(course.unit_code, 0) + 1
        units = set(overdue) | set(uow.light_counts.lit_units())
        changed = [code for code in sorted(units)
                   if _keep(uow, clock, code, today.year, overdue.get(code, 0))]
    return {"day": today.isoformat(), "units_counted": len(units),
            "lights_changed": len(changed),
            "red": sorted(code for code, n in overdue.items() if colour(n) == "red")}


def may_see(principal: Principal, unit: dict[str, Any]) -> bool:
    if principal.has_any_role("operator", "admin"):
        return True
    if principal.has_any_role("business") and principal.unit == unit["code"]:
        return True
    return principal.has_any_role("reviewer") and principal.authority is not None \
        and principal.authority in (unit["authority_code"], unit["county_code"])


def show(uow: CoursesUnitOfWork, clock: Clock, rules: ClosingRules, principal: Principal,
         unit_code: str) -> dict[str, Any]:
    today = taipei_date(clock.now())
    with uow:
        unit = uow.closing.unit(unit_code)
        if unit is None or not may_see(principal, unit):
            raise NotFound(f"no unit {unit_code}", slug="unit-not-found", title="No such unit")
        overdue = _count(uow, rules, unit_code, today)
    light = colour(len(overdue))
    return {"unit_code": unit_code, "year": today.year, "light": light,
            "overdue_count": len(overdue),
            "blocks_submission": light == "red" and today >= rules.light_enforced_from,
            "enforced_from": rules.light_enforced_from,
            "overdue": [{"course_id": c.course_id, "code": c.code, "title": c.title,
                         "ends_on": c.ends_on, "due_on": closing.due_on(c, rules.due_days),
                         "status": c.status} for c in overdue]}


def submission_gate(uow: CoursesUnitOfWork, clock: Clock, rules: ClosingRules,
                    unit_code: str) -> SubmissionGate:
    """For submitting a course (R-CRS-1, R-CRS-7), inside the caller's unit of work:
    raises ``unit-light-red`` (409) from the enforcement date; before it, a warning."""
    today = taipei_date(clock.now())
    return gate(len(_count(uow, rules, unit_code, today)), today, rules.light_enforced_from)
