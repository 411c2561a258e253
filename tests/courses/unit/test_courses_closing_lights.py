"""R-CRS-7 on the handlers alone: the traffic light counts this year's courses whose end +
7 days passed without hours, leaves degree programmes out, turns red at 5, blocks
submission only from the enforcement date, and lifts itself below 5."""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from closing_fakes import (
    OTHER_UNIT,
    TEACHERS,
    UNIT,
    FakeCoursesUnitOfWork,
    a_course,
    business,
    clock,
    operator,
    reviewer,
)

from contracts.events.courses import UNIT_LIGHT_CHANGED
from servicekit.errors import Conflict, NotFound
from services.courses.config import ClosingRules
from services.courses.domain.closing import Attendee
from services.courses.domain.lights import colour, is_overdue
from services.courses.handlers import attendance, lights

RULES = ClosingRules(due_days=7, light_enforced_from=date(2026, 1, 1))
TODAY = date(2026, 6, 10)  # clock()'s day in Taipei


@pytest.mark.parametrize(("overdue", "light"), [(0, "green"), (1, "yellow"), (4, "yellow"),
                                                (5, "red"), (40, "red")])
def test_colours(overdue, light) -> None:
    assert colour(overdue) == light


def test_what_counts_as_overdue() -> None:
    uow = FakeCoursesUnitOfWork()
    on_time = a_course(uow, 1, ends_on=date(2026, 6, 3))  # due 10 June: today, not yet late
    late = a_course(uow, 2, ends_on=date(2026, 6, 2))
    degree = a_course(uow, 3, ends_on=date(2026, 3, 1), class_type="degree_programme")
    last_year = a_course(uow, 4, ends_on=date(2025, 12, 1))
    closed = a_course(uow, 5, ends_on=date(2026, 3, 1), status="closed")
    never_approved = a_course(uow, 6, ends_on=date(2026, 3, 1), status="returned")
    waiting_review = a_course(uow, 7, ends_on=date(2026, 3, 1), status="attendance_submitted")
    answers = {c.code: is_overdue(c, TODAY, 7) for c in (on_time, late, degree, last_year,
                                                         closed, never_approved, waiting_review)}
    assert answers == {"C000001": False, "C000002": True, "C000003": False, "C000004": False,
                       "C000005": False, "C000006": False, "C000007": True}


def overdue_courses(uow: FakeCoursesUnitOfWork, count: int, first: int = 1) -> list:
    return [a_course(uow, n, ends_on=date(2026, 5, n)) for n in range(first, first + count)]


def test_the_unit_sees_its_light_and_the_courses_that_cause_it() -> None:
    uow = FakeCoursesUnitOfWork()
    overdue_courses(uow, 2)
    a_course(uow, 9, unit=OTHER_UNIT, ends_on=date(2026, 5, 1))
    answer = lights.show(uow, clock(), RULES, business(), UNIT)
    assert (answer["light"], answer["overdue_count"]) == ("yellow", 2)
    assert [c["code"] for c in answer["overdue"]] == ["C000001", "C000002"]
    assert answer["overdue"][0]["due_on"] == date(2026, 5, 8)


@pytest.mark.parametrize("who", [business(OTHER_UNIT), reviewer("TXG")])
def test_others_do_not_see_a_units_light(who) -> None:
    uow = FakeCoursesUnitOfWork()
    overdue_courses(uow, 1)
    with pytest.raises(NotFound):
        lights.show(uow, clock(), RULES, who, UNIT)


@pytest.mark.parametrize("who", [reviewer("TPE"), operator()])
def test_its_reviewers_and_the_network_see_it(who) -> None:
    uow = FakeCoursesUnitOfWork()
    overdue_courses(uow, 1)
    assert lights.show(uow, clock(), RULES, who, UNIT)["light"] == "yellow"


def test_red_blocks_submission_from_the_enforcement_date_and_warns_before() -> None:
    uow = FakeCoursesUnitOfWork()
    overdue_courses(uow, 5)
    with pytest.raises(Conflict) as blocked:
        lights.submission_gate(uow, clock(), RULES, UNIT)
    assert (blocked.value.slug, blocked.value.facts["overdue"]) == ("unit-light-red", 5)
    before = ClosingRules(light_enforced_from=date(2026, 11, 1))
    warned = lights.submission_gate(uow, clock(), before, UNIT)
    assert warned.light == "red" and "2026-11-01" in (warned.warning or "")
    assert lights.submission_gate(uow, clock(), RULES, OTHER_UNIT).warning is None


def test_closing_a_course_lifts_red_below_five_by_itself() -> None:
    uow = FakeCoursesUnitOfWork()
    courses = overdue_courses(uow, 5)
    lights.recount_all(uow, clock(), RULES)
    assert uow.light_counts.rows[UNIT].light == "red"
    first = courses[0]
    attendance.submit(uow, clock(), RULES, business(), first.course_id,
                      [Attendee(TEACHERS[0], Decimal("1"))])
    attendance.review(uow, clock(), RULES, reviewer(), first.course_id, "approve", [], None)
    assert (uow.light_counts.rows[UNIT].light, uow.light_counts.rows[UNIT].overdue) == ("yellow", 4)
    assert lights.submission_gate(uow, clock(), RULES, UNIT).light == "yellow"
    assert [(e["light"], e["overdue"]) for e in uow.recorded(UNIT_LIGHT_CHANGED)] == \
        [("red", 5), ("yellow", 4)]


def test_the_recount_sees_what_time_alone_made_overdue_and_publishes_changes_once() -> None:
    uow = FakeCoursesUnitOfWork()
    a_course(uow, 1, ends_on=date(2026, 6, 5))
    at = clock()
    assert lights.recount_all(uow, at, RULES)["lights_changed"] == 0
    at.set(datetime(2026, 6, 13, 2, tzinfo=UTC))  # 5 June + 7 days has passed
    summary = lights.recount_all(uow, at, RULES)
    assert summary["lights_changed"] == 1 and uow.light_counts.rows[UNIT].light == "yellow"
    lights.recount_all(uow, at, RULES)
    assert len(uow.recorded(UNIT_LIGHT_CHANGED)) == 1
    at.set(datetime(2027, 1, 2, 2, tzinfo=UTC))  # a new year: last year's courses count no more
    lights.recount_all(uow, at, RULES)
    assert uow.light_counts.rows[UNIT].light == "green"
    assert [e["light"] for e in uow.recorded(UNIT_LIGHT_CHANGED)] == ["yellow", "green"]
