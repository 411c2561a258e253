"""R-CRS-5 on the handlers alone (FakeUnitOfWork, no database): the attendee list, its
errors, its review, and what approval issues."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from closing_fakes import (
    OTHER_UNIT,
    TEACHERS,
    FakeCoursesUnitOfWork,
    a_course,
    business,
    clock,
    reviewer,
)

from contracts.events.courses import ATTENDANCE_REVIEWED, ATTENDANCE_SUBMITTED, HOURS_ISSUED
from servicekit.errors import Conflict, Invalid, NotFound
from services.courses.config import ClosingRules
from services.courses.domain.closing import Attendee
from services.courses.handlers import attendance

RULES = ClosingRules(due_days=7)


def send(uow, course, listed, who=None, at=None):
    return attendance.submit(uow, at or clock(), RULES, who or business(), course.course_id,
                             listed)


def two_teachers() -> list[Attendee]:
    return [Attendee(TEACHERS[0], Decimal("6")), Attendee(TEACHERS[1], Decimal("3.5"))]


def test_the_organiser_sends_the_list_and_the_course_waits_for_review() -> None:
    uow = FakeCoursesUnitOfWork()
    course = a_course(uow)
    answer = send(uow, course, two_teachers())
    assert (answer["status"], answer["late"], answer["due_on"]) == \
        ("attendance_submitted", False, date(2026, 6, 12))
    assert uow.closing.rows[course.course_id].status == "attendance_submitted"
    assert [(a.account_id, a.hours) for a in uow.attendance.lists[course.course_id]] == \
        [(TEACHERS[0], Decimal("6")), (TEACHERS[1], Decimal("3.5"))]
    [event] = uow.recorded(ATTENDANCE_SUBMITTED)
    assert (event["attendees"], event["late"], event["version"]) == (2, False, 4)


def test_a_walk_in_is_listed_by_account_id() -> None:
    uow = FakeCoursesUnitOfWork()
    course = a_course(uow)
    send(uow, course, [Attendee(TEACHERS[5], Decimal("2"), walk_in=True)])
    assert uow.attendance.lists[course.course_id][0].walk_in is True


@pytest.mark.parametrize(("listed", "slug"), [
    ([Attendee(TEACHERS[0], Decimal("6.5"))], "hours-above-course"),
    ([Attendee(TEACHERS[5], Decimal("2"))], "not-enrolled"),
    ([Attendee(TEACHERS[0], Decimal("2")), Attendee(TEACHERS[0], Decimal("3"))],
     "duplicate-attendee"),
    ([Attendee(TEACHERS[0], Decimal("2.25"))], "invalid-hours"),
    ([Attendee(TEACHERS[0], Decimal("0"))], "invalid-hours"),
])
def test_a_bad_list_is_refused_whole_and_nothing_is_written(listed, slug) -> None:
    uow = FakeCoursesUnitOfWork()
    course = a_course(uow)
    with pytest.raises(Invalid) as refused:
        send(uow, course, [Attendee(TEACHERS[1], Decimal("1")), *listed])
    assert refused.value.slug == slug
    assert uow.attendance.lists == {} and uow.events == [] and uow.rollbacks == 1
    assert uow.closing.rows[course.course_id].status == "approved"


def test_the_refusal_names_the_teachers_it_is_about() -> None:
    uow = FakeCoursesUnitOfWork()
    course = a_course(uow)
    with pytest.raises(Invalid) as refused:
        send(uow, course, [Attendee(TEACHERS[6], Decimal("1")), Attendee(TEACHERS[5], Decimal("1"))])
    assert refused.value.facts["account_ids"] == sorted([TEACHERS[5], TEACHERS[6]])


@pytest.mark.parametrize("status", ["disabled", "pending", None])
def test_a_walk_in_is_an_enabled_teacher_of_the_replica(status) -> None:
    """Item 5 of R-CRS-5: hours go to a teacher the accounts service knows and has enabled;
    the refusal names the row, and nothing is written."""
    uow = FakeCoursesUnitOfWork()
    course = a_course(uow)
    stranger = "00000000-0000-0000-0000-000000000099"
    if status is not None:
        uow.attendance.teachers[stranger] = status
    with pytest.raises(Invalid) as refused:
        send(uow, course, [*two_teachers(), Attendee(TEACHERS[5], Decimal("1"), walk_in=True),
                           Attendee(stranger, Decimal("2"), walk_in=True)])
    assert refused.value.slug == "walk-in-not-a-teacher"
    assert refused.value.facts["rows"] == [{"row": 3, "account_id": stranger,
                                            "teacher_status": status or "unknown"}]
    assert uow.attendance.lists == {} and uow.events == []
    assert uow.closing.rows[course.course_id].status == "approved"


def test_an_enrolled_teacher_is_not_asked_of_the_replica() -> None:
    uow = FakeCoursesUnitOfWork()
    course = a_course(uow)
    uow.attendance.teachers.clear()  # the replica is behind; a seat says enough
    assert send(uow, course, two_teachers())["status"] == "attendance_submitted"


def test_another_units_business_account_cannot_see_the_course() -> None:
    uow = FakeCoursesUnitOfWork()
    course = a_course(uow)
    with pytest.raises(NotFound):
        send(uow, course, two_teachers(), who=business(OTHER_UNIT))


def test_a_list_sent_after_the_deadline_is_taken_and_marked_late() -> None:
    uow = FakeCoursesUnitOfWork()
    course = a_course(uow, ends_on=date(2026, 6, 2))  # due 9 June; today is 10 June
    assert send(uow, course, two_teachers())["late"] is True
    assert uow.recorded(ATTENDANCE_SUBMITTED)[0]["late"] is True


def test_the_list_waits_for_the_last_day() -> None:
    uow = FakeCoursesUnitOfWork()
    course = a_course(uow, ends_on=date(2026, 6, 11))
    with pytest.raises(Conflict) as early:
        send(uow, course, two_teachers())
    assert early.value.slug == "course-not-ended"


@pytest.mark.parametrize(("status", "slug"), [("draft", "attendance-not-open"),
                                              ("submitted", "attendance-not-open"),
                                              ("closed", "course-locked")])
def test_only_a_held_course_takes_a_list(status, slug) -> None:
    uow = FakeCoursesUnitOfWork()
    course = a_course(uow, status=status)
    with pytest.raises(Conflict) as refused:
        send(uow, course, two_teachers())
    assert refused.value.slug == slug


def test_approval_closes_the_course_and_issues_each_teachers_hours() -> None:
    uow = FakeCoursesUnitOfWork()
    course = a_course(uow)
    send(uow, course, two_teachers())
    answer = attendance.review(uow, clock(), RULES, reviewer(), course.course_id, "approve", [],
                               None)
    assert answer["status"] == "closed"
    assert course.course_id in uow.closing.closed_at
    issued = sorted(uow.recorded(HOURS_ISSUED), key=lambda e: e["account_id"])
    assert [(e["account_id"], e["hours"], e["course_code"]) for e in issued] == \
        [(TEACHERS[0], 6.0, "C000001"), (TEACHERS[1], 3.5, "C000001")]
    assert {e["version"] for e in issued} == {5}
    assert [e.hours for e in uow.transcripts.entries(TEACHERS[1])] == [Decimal("3.5")]
    assert uow.recorded(ATTENDANCE_REVIEWED)[0]["decision"] == "approve"


def test_a_return_needs_a_reason_from_the_active_list() -> None:
    uow = FakeCoursesUnitOfWork()
    course = a_course(uow)
    send(uow, course, two_teachers())
    for reasons, slug in (([], "reasons-required"), (["NOPE"], "unknown-reason"),
                          (["OLD"], "unknown-reason")):
        with pytest.raises(Invalid) as refused:
            attendance.review(uow, clock(), RULES, reviewer(), course.course_id, "return",
                              reasons, None)
        assert refused.value.slug == slug
    answer = attendance.review(uow, clock(), RULES, reviewer(), course.course_id, "return",
                               ["A"], "王小明 did not come")
    assert answer["status"] == "attendance_returned"
    assert uow.recorded(HOURS_ISSUED) == []
    # The organiser corrects and sends again; the reviewer approves.
    send(uow, course, two_teachers()[:1])
    attendance.review(uow, clock(), RULES, reviewer(), course.course_id, "approve", [], None)
    assert [d["decision"] for d in uow.attendance.reviews(course.course_id)] == \
        ["return", "approve"]
    assert len(uow.recorded(HOURS_ISSUED)) == 1


def test_a_reviewer_of_another_authority_sees_no_course() -> None:
    uow = FakeCoursesUnitOfWork()
    course = a_course(uow)
    send(uow, course, two_teachers())
    with pytest.raises(NotFound):
        attendance.review(uow, clock(), RULES, reviewer("TXG"), course.course_id, "approve",
                          [], None)
    assert uow.closing.rows[course.course_id].status == "attendance_submitted"


def test_a_closed_course_refuses_a_new_list_and_a_second_review() -> None:
    uow = FakeCoursesUnitOfWork()
    course = a_course(uow)
    send(uow, course, two_teachers())
    attendance.review(uow, clock(), RULES, reviewer(), course.course_id, "approve", [], None)
    for attempt in (lambda: send(uow, course, two_teachers()),
                    lambda: attendance.review(uow, clock(), RULES, reviewer(), course.course_id,
                                              "approve", [], None)):
        with pytest.raises(Conflict) as locked:
            attempt()
        assert locked.value.slug == "course-locked"


def test_the_deadline_follows_the_setting() -> None:
    uow = FakeCoursesUnitOfWork()
    course = a_course(uow, ends_on=date(2026, 6, 2))
    answer = attendance.submit(uow, clock(), ClosingRules(due_days=10), business(),
                               course.course_id, two_teachers())
    assert (answer["late"], answer["due_on"]) == (False, date(2026, 6, 2) + timedelta(days=10))
