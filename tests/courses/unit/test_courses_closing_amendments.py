"""R-CRS-6 on the handlers alone: a closed course changes only through an amendment,
routed by the unit's category, applied with an audit on approval, with the hours issued
again, and batched per approver and month (due by the 5th)."""
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

from contracts.events.courses import (
    AMENDMENT_DECIDED,
    AMENDMENT_REQUESTED,
    HOURS_ISSUED,
    HOURS_WITHDRAWN,
)
from servicekit.errors import Conflict, Forbidden, Invalid, NotFound
from services.courses.config import ClosingRules
from services.courses.domain.amendments import category_of, due_on
from services.courses.domain.closing import Attendee
from services.courses.handlers import amendments, attendance

RULES = ClosingRules()
STRANGER = "00000000-0000-0000-0000-000000000099"  # in no replica


def closed_course(uow: FakeCoursesUnitOfWork, **unit: str):
    course = a_course(uow)
    uow.closing.units[UNIT].update(unit)
    attendance.submit(uow, clock(), RULES, business(), course.course_id,
                      [Attendee(TEACHERS[0], Decimal("6")), Attendee(TEACHERS[1], Decimal("3"))])
    attendance.review(uow, clock(), RULES, reviewer(), course.course_id, "approve", [], None)
    return uow.closing.get(course.course_id)


@pytest.mark.parametrize(("unit_type", "authority", "category"), [
    ("senior_high_school", "TPE", "county"), ("senior_high_school", "K12EA", "national"),
    ("university", "NETWORK", "national"), ("legal_entity", "NETWORK", "legal_entity"),
    ("civic_group", "TNN", "county")])
def test_the_units_category(unit_type, authority, category) -> None:
    assert category_of(unit_type, authority) == category


@pytest.mark.parametrize(("month", "due"), [("2026-06", date(2026, 7, 5)),
                                            ("2026-12", date(2027, 1, 5))])
def test_a_batch_is_due_by_the_fifth_of_the_next_month(month, due) -> None:
    assert due_on(month) == due


def test_a_county_units_amendment_goes_to_its_county_and_applies_with_an_audit() -> None:
    uow = FakeCoursesUnitOfWork()
    course = closed_course(uow)
    issued_before = len(uow.recorded(HOURS_ISSUED))
    asked = amendments.request(uow, clock(), business(), course.course_id,
                               {"title": "正確的名稱", "attendees": [
                                   {"account_id": TEACHERS[1], "hours": Decimal("4.5")}]},
                               "typo in the title; 4.5 hours attended")
    assert (asked.approver_authority_code, asked.batch_month, asked.due_on) == \
        ("TPE", "2026-06", date(2026, 7, 5))
    assert asked.previous == {"title": "研習課程 1",
                              "attendees": [{"account_id": TEACHERS[1], "hours": 3.0}]}
    assert uow.recorded(AMENDMENT_REQUESTED)[0]["fields_changed"] == ["attendees", "title"]
    decided = amendments.decide(uow, clock(), reviewer("TPE"), asked.amendment_id, "approve",
                                "北市教研字第1150000001號", None)
    assert decided.status == "approved"
    changed = uow.closing.get(course.course_id)
    assert (changed.title, changed.status, changed.version) == ("正確的名稱", "closed",
                                                                course.version + 1)
    assert {(r["field"], r["old_value"], r["new_value"], r["changed_by"], r["reference"])
            for r in uow.amendments.rows[asked.amendment_id].audit} == {
        ("title", "研習課程 1", "正確的名稱", "reviewer-TPE", "北市教研字第1150000001號"),
        (f"attendees.{TEACHERS[1]}.hours", 3.0, 4.5, "reviewer-TPE",
         "北市教研字第1150000001號")}
    reissued = uow.recorded(HOURS_ISSUED)[issued_before:]
    assert sorted((e["account_id"], e["hours"], e["title"], e["version"]) for e in reissued) == [
        (TEACHERS[0], 6.0, "正確的名稱", course.version + 1),
        (TEACHERS[1], 4.5, "正確的名稱", course.version + 1)]
    assert [e.title for e in uow.transcripts.entries(TEACHERS[1])] == ["正確的名稱"]
    assert uow.recorded(AMENDMENT_DECIDED)[0]["decision"] == "approve"


def test_a_national_units_amendment_is_decided_by_the_network() -> None:
    uow = FakeCoursesUnitOfWork()
    course = closed_course(uow, authority_code="K12EA", county_code="TPE")
    asked = amendments.request(uow, clock(), business(), course.course_id,
                               {"place": "視聽教室"}, "moved room")
    assert asked.approver_authority_code == "NETWORK"
    with pytest.raises(NotFound):
        amendments.decide(uow, clock(), reviewer("TPE"), asked.amendment_id, "approve", "x", None)
    assert amendments.decide(uow, clock(), operator(), asked.amendment_id, "reject", None,
                             "no evidence").status == "rejected"
    assert uow.closing.get(course.course_id).place == "禮堂"


def test_a_legal_entitys_amendment_goes_to_the_network_until_routed_elsewhere() -> None:
    """The ministry's review group is no authority of the accounts service: nobody could
    act on a request routed to it, so legal entities' requests go to the operators."""
    uow = FakeCoursesUnitOfWork()
    course = closed_course(uow, unit_type="legal_entity", authority_code="NETWORK")
    asked = amendments.request(uow, clock(), business(), course.course_id,
                               {"place": "視聽教室"}, "moved room")
    assert asked.approver_authority_code == "NETWORK"
    assert amendments.decide(uow, clock(), operator(), asked.amendment_id, "approve", "r",
                             None).status == "approved"
    amendments.put_route(uow, clock(), operator(), "legal_entity", "K12EA")
    again = amendments.request(uow, clock(), business(), course.course_id,
                               {"place": "禮堂"}, "moved back")
    assert again.approver_authority_code == "K12EA"


@pytest.mark.parametrize("approver", ["MOE-LEGAL", "nobody", "Network"])
def test_a_route_names_someone_who_can_act_on_it(approver) -> None:
    uow = FakeCoursesUnitOfWork()
    with pytest.raises(Invalid) as refused:
        amendments.put_route(uow, clock(), operator(), "legal_entity", approver)
    assert "approver" in refused.value.facts["errors"]
    assert uow.amendments.routes()["legal_entity"] == "network"


@pytest.mark.parametrize(("changes", "slug"), [
    ({"hours": Decimal("5")}, "hours-above-course"),  # teacher 0 has 6
    ({"attendees": [{"account_id": TEACHERS[4], "hours": Decimal("1")}]}, "not-enrolled"),
    ({"remove_attendees": [TEACHERS[4]]}, "not-an-attendee"),
    ({"attendees": [{"account_id": TEACHERS[1], "hours": Decimal("1")}],
      "remove_attendees": [TEACHERS[1]]}, "duplicate-attendee"),
    ({"attendees": [{"account_id": TEACHERS[2], "hours": Decimal("1.25")}]}, "invalid-hours"),
    ({"attendees": [{"account_id": TEACHERS[2], "hours": Decimal("6.5")}]}, "hours-above-course"),
    ({"attendees": [{"account_id": STRANGER, "hours": Decimal("1"), "walk_in": True}]},
     "walk-in-not-a-teacher"),
    ({"attendees": [{"account_id": TEACHERS[0], "hours": Decimal("7")}]}, "hours-above-course"),
    ({"ends_on": date(2026, 1, 1)}, "dates-out-of-order"),
    ({}, "no-changes"),
])
def test_a_bad_amendment_is_refused(changes, slug) -> None:
    uow = FakeCoursesUnitOfWork()
    course = closed_course(uow)
    with pytest.raises(Invalid) as refused:
        amendments.request(uow, clock(), business(), course.course_id, changes, "why")
    assert refused.value.slug == slug
    assert uow.amendments.rows == {}


def test_an_open_course_is_not_amended() -> None:
    uow = FakeCoursesUnitOfWork()
    course = a_course(uow)
    with pytest.raises(Conflict) as refused:
        amendments.request(uow, clock(), business(), course.course_id, {"title": "x"}, "why")
    assert refused.value.slug == "course-not-closed"


def test_approval_needs_a_reference_and_happens_once() -> None:
    uow = FakeCoursesUnitOfWork()
    course = closed_course(uow)
    asked = amendments.request(uow, clock(), business(), course.course_id, {"title": "新"}, "why")
    with pytest.raises(Invalid) as refused:
        amendments.decide(uow, clock(), reviewer(), asked.amendment_id, "approve", None, None)
    assert refused.value.slug == "reference-required"
    amendments.decide(uow, clock(), reviewer(), asked.amendment_id, "approve", "ref-1", None)
    with pytest.raises(Conflict) as twice:
        amendments.decide(uow, clock(), reviewer(), asked.amendment_id, "approve", "ref-2", None)
    assert twice.value.slug == "amendment-decided"


def test_the_monthly_batch_of_an_approver() -> None:
    uow = FakeCoursesUnitOfWork()
    course = closed_course(uow)
    first = amendments.request(uow, clock(), business(), course.course_id, {"title": "一"}, "a")
    amendments.request(uow, clock(), business(), course.course_id, {"place": "二"}, "b")
    amendments.decide(uow, clock(), reviewer(), first.amendment_id, "approve", "ref", None)
    report = amendments.batch(uow, clock(), reviewer(), "2026-06", None)
    assert (report["approver"], report["due_on"], report["counts"], report["overdue"]) == \
        ("TPE", date(2026, 7, 5), {"pending": 1, "approved": 1, "rejected": 0}, False)
    late = clock(datetime(2026, 7, 6, 2, tzinfo=UTC))
    assert amendments.batch(uow, late, reviewer(), "2026-06", None)["overdue"] is True
    assert amendments.batch(uow, clock(), operator(), "2026-06", "TPE")["counts"]["pending"] == 1
    with pytest.raises(Forbidden):
        amendments.batch(uow, clock(), reviewer("TXG"), "2026-06", "TPE")
    assert amendments.batch(uow, clock(), reviewer("TXG"), "2026-06", None)["requests"] == []


# -- the attendee list changed by an amendment (R-CRS-5, R-CRS-6) ---------------------------

def test_an_amendment_adds_an_enrolled_teacher_and_a_walk_in_and_issues_only_their_hours(
) -> None:
    uow = FakeCoursesUnitOfWork()
    course = closed_course(uow)  # teachers 0 (6 h) and 1 (3 h) listed; 2 enrolled, absent
    issued_before = len(uow.recorded(HOURS_ISSUED))
    asked = amendments.request(uow, clock(), business(), course.course_id, {"attendees": [
        {"account_id": TEACHERS[2], "hours": Decimal("2.5")},
        {"account_id": TEACHERS[5], "hours": Decimal("6"), "walk_in": True}]},
        "two teachers were left off the list")
    assert asked.previous == {"attendees": [{"account_id": TEACHERS[2], "hours": None},
                                            {"account_id": TEACHERS[5], "hours": None}]}
    assert [(a.account_id, a.hours) for a in uow.attendance.attendees(course.course_id)] == \
        [(TEACHERS[0], Decimal("6")), (TEACHERS[1], Decimal("3"))]  # nothing before approval
    amendments.decide(uow, clock(), reviewer(), asked.amendment_id, "approve", "ref-9", None)
    assert [(a.account_id, a.hours, a.walk_in)
            for a in uow.attendance.attendees(course.course_id)] == [
        (TEACHERS[0], Decimal("6"), False), (TEACHERS[1], Decimal("3"), False),
        (TEACHERS[2], Decimal("2.5"), False), (TEACHERS[5], Decimal("6"), True)]
    reissued = uow.recorded(HOURS_ISSUED)[issued_before:]
    assert sorted((e["account_id"], e["hours"], e["version"]) for e in reissued) == [
        (TEACHERS[2], 2.5, course.version + 1), (TEACHERS[5], 6.0, course.version + 1)]
    assert [e.hours for e in uow.transcripts.entries(TEACHERS[5])] == [Decimal("6")]
    assert {(r["field"], r["old_value"], r["new_value"], r["reference"])
            for r in uow.amendments.rows[asked.amendment_id].audit} == {
        (f"attendees.{TEACHERS[2]}.hours", None, 2.5, "ref-9"),
        (f"attendees.{TEACHERS[5]}.hours", None, 6.0, "ref-9")}


def test_an_amendment_removes_a_teacher_and_withdraws_the_hours() -> None:
    uow = FakeCoursesUnitOfWork()
    course = closed_course(uow)
    assert [e.hours for e in uow.transcripts.entries(TEACHERS[1])] == [Decimal("3")]
    issued_before = len(uow.recorded(HOURS_ISSUED))
    asked = amendments.request(uow, clock(), business(), course.course_id,
                               {"remove_attendees": [TEACHERS[1]]}, "was not there")
    assert asked.previous == {"remove_attendees": [{"account_id": TEACHERS[1], "hours": 3.0}]}
    amendments.decide(uow, clock(), reviewer(), asked.amendment_id, "approve", "ref-10", None)
    assert [a.account_id for a in uow.attendance.attendees(course.course_id)] == [TEACHERS[0]]
    assert uow.transcripts.entries(TEACHERS[1]) == []
    assert uow.transcripts.entries(TEACHERS[0]) != []
    [withdrawn] = uow.recorded(HOURS_WITHDRAWN)
    assert (withdrawn["account_id"], withdrawn["course_id"], withdrawn["version"],
            withdrawn["amendment_id"], withdrawn["reference"]) == (
        TEACHERS[1], course.course_id, course.version + 1, asked.amendment_id, "ref-10")
    assert uow.recorded(HOURS_ISSUED)[issued_before:] == []  # nobody else's hours changed
    [record] = uow.amendments.rows[asked.amendment_id].audit
    assert (record["field"], record["old_value"], record["new_value"]) == \
        (f"attendees.{TEACHERS[1]}.hours", 3.0, None)


@pytest.mark.parametrize("status", ["disabled", "pending", None])
def test_a_walk_in_added_must_be_an_enabled_teacher(status) -> None:
    uow = FakeCoursesUnitOfWork()
    course = closed_course(uow)
    if status is None:
        del uow.attendance.teachers[TEACHERS[5]]
    else:
        uow.attendance.teachers[TEACHERS[5]] = status
    with pytest.raises(Invalid) as refused:
        amendments.request(uow, clock(), business(), course.course_id, {"attendees": [
            {"account_id": TEACHERS[0], "hours": Decimal("5")},
            {"account_id": TEACHERS[5], "hours": Decimal("2"), "walk_in": True}]}, "why")
    assert refused.value.slug == "walk-in-not-a-teacher"
    assert refused.value.facts["rows"] == [{"row": 1, "account_id": TEACHERS[5],
                                            "teacher_status": status or "unknown"}]
    assert uow.amendments.rows == {}


def test_an_approval_checks_the_walk_in_again_and_writes_nothing_when_refused() -> None:
    uow = FakeCoursesUnitOfWork()
    course = closed_course(uow)
    asked = amendments.request(uow, clock(), business(), course.course_id, {
        "title": "新名稱",
        "attendees": [{"account_id": TEACHERS[5], "hours": Decimal("2"), "walk_in": True}]},
        "why")
    uow.attendance.teachers[TEACHERS[5]] = "disabled"  # the account was disabled meanwhile
    issued_before = len(uow.recorded(HOURS_ISSUED))
    with pytest.raises(Invalid) as refused:
        amendments.decide(uow, clock(), reviewer(), asked.amendment_id, "approve", "r", None)
    assert refused.value.slug == "walk-in-not-a-teacher"
    assert uow.amendments.rows[asked.amendment_id].status == "pending"
    assert uow.closing.get(course.course_id).title == "研習課程 1"
    assert len(uow.attendance.attendees(course.course_id)) == 2
    assert len(uow.recorded(HOURS_ISSUED)) == issued_before


def test_a_unit_reads_its_own_requests_and_no_one_elses() -> None:
    uow = FakeCoursesUnitOfWork()
    course = closed_course(uow)
    later = clock()
    later.advance(minutes=5)
    first = amendments.request(uow, clock(), business(), course.course_id, {"title": "一"}, "a")
    second = amendments.request(uow, later, business(), course.course_id, {"place": "二"}, "b")
    amendments.decide(uow, later, reviewer(), first.amendment_id, "reject", None, "不需要")
    mine = amendments.of_unit(uow, business(), UNIT, None, None, 1, 20)
    assert [(row["amendment_id"], row["status"]) for row in mine["items"]] == [
        (second.amendment_id, "pending"), (first.amendment_id, "rejected")]
    assert (mine["total"], mine["items"][1]["comment"], mine["items"][1]["course_code"]) == \
        (2, "不需要", course.code)
    refused = amendments.of_unit(uow, reviewer(), UNIT, "rejected", course.course_id, 1, 20)
    assert [row["amendment_id"] for row in refused["items"]] == [first.amendment_id]
    assert amendments.of_unit(uow, operator(), UNIT, None, None, 2, 1)["items"][0][
        "amendment_id"] == first.amendment_id
    uow.closing.units[OTHER_UNIT] = {**uow.closing.units[UNIT], "code": OTHER_UNIT}
    for outsider, unit in ((business(OTHER_UNIT), UNIT), (reviewer("TXG"), UNIT),
                           (business(), OTHER_UNIT), (operator(), "999999")):
        with pytest.raises(NotFound) as refused_read:
            amendments.of_unit(uow, outsider, unit, None, None, 1, 20)
        assert refused_read.value.slug == "unit-not-found"
