"""The registration and review use cases on a FakeUnitOfWork (R-CRS-1…3, R-CRS-10,
R-ORG-4): what they record, what they refuse, and that a refusal leaves nothing behind."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from courses_helpers import course_body

from contracts.review_routing import RoutingRule
from servicekit.errors import Conflict, Forbidden, Invalid, NotFound
from servicekit.tokens import Principal
from services.courses.domain.reviewers import JurisdictionChange
from services.courses.handlers import lifecycle
from services.courses.routes.schemas import CourseFieldsSchema

BUSINESS = Principal("biz-353301", frozenset({"business"}), unit="353301")
TPE = Principal("reviewer-tpe", frozenset({"reviewer"}), authority="TPE")
TXG = Principal("reviewer-txg", frozenset({"reviewer"}), authority="TXG")


def fields(**changes):
    return CourseFieldsSchema().load(course_body(**changes))


def registered(work, clock, principal=BUSINESS, **changes) -> dict:
    return lifecycle.register(work, clock, principal, fields(**changes))


def test_registration_commits_the_course_and_its_event_together(work, clock) -> None:
    course = registered(work, clock)
    assert (course["status"], course["code"], course["unit_code"]) == ("draft", "2026-000001",
                                                                        "353301")
    [event] = work.recorded("courses.course.registered.v1")
    assert event["course_id"] == course["id"] and event["starts_on"] == "2026-03-20"
    assert work.commits == 1


def test_a_refused_registration_records_and_keeps_nothing(work, clock) -> None:
    with pytest.raises(Invalid) as refused:
        registered(work, clock, hours=99)
    assert "hours" in refused.value.facts["errors"]
    assert work.events == [] and work.courses.rows == {} and work.rollbacks == 1
    assert work.courses.numbers == {}  # no number spent on a refusal


def test_the_unit_comes_from_the_token_never_the_body(work, clock) -> None:
    with pytest.raises(Forbidden):
        registered(work, clock, Principal("biz", frozenset({"business"})))
    with pytest.raises(Forbidden):
        registered(work, clock, Principal("t", frozenset({"teacher"}), unit="353301"))


def test_submission_counts_days_in_taipei(work, clock) -> None:
    """First meeting on 20 March: the 13th in Taipei is the last day to submit. At
    16:30 UTC on the 13th it is already the 14th in Taipei."""
    course = registered(work, clock)
    clock.set(datetime(2026, 3, 13, 16, 30, tzinfo=UTC))
    with pytest.raises(Conflict) as late:
        lifecycle.submit(work, clock, BUSINESS, course["id"], 7)
    assert late.value.slug == "submission-too-late"
    clock.set(datetime(2026, 3, 13, 15, 59, tzinfo=UTC))
    assert lifecycle.submit(work, clock, BUSINESS, course["id"], 7)["status"] == "submitted"


def test_the_days_ahead_are_a_setting(work, clock) -> None:
    course = registered(work, clock)  # 16 days ahead
    with pytest.raises(Conflict):
        lifecycle.submit(work, clock, BUSINESS, course["id"], 17)
    assert lifecycle.submit(work, clock, BUSINESS, course["id"], 16)["status"] == "submitted"


def test_a_red_light_blocks_submission_at_the_check_point(work, clock) -> None:
    course = registered(work, clock)
    work.lights.red.add("353301")
    with pytest.raises(Conflict) as red:
        lifecycle.submit(work, clock, BUSINESS, course["id"], 7)
    assert red.value.slug == "unit-light-red"
    assert work.courses.get(course["id"]).status == "draft"
    assert work.recorded("courses.course.submitted.v1") == []


def test_a_red_light_before_the_enforcement_date_warns_and_lets_through(work, clock) -> None:
    """R-CRS-7: before the enforcement date red is a warning only, which the organiser sees
    beside the submitted course; a green unit's submission carries none."""
    course = registered(work, clock)
    assert lifecycle.submit(work, clock, BUSINESS, course["id"], 7)["warnings"] == []
    red = registered(work, clock)
    work.lights.red.add("353301")
    work.lights.enforced_from = date(2027, 1, 1)
    answer = lifecycle.submit(work, clock, BUSINESS, red["id"], 7)
    assert answer["status"] == "submitted"
    [warning] = answer["warnings"]
    assert (warning["slug"], warning["overdue"], warning["enforced_from"]) == \
        ("unit-light-red", 5, date(2027, 1, 1))
    assert work.courses.get(red["id"]).status == "submitted"


def test_submission_routes_by_the_jurisdiction_and_rule_of_that_day(work, clock) -> None:
    """R-ORG-4: a unit moved from K12EA to TXG on a date is reviewed by TXG from that
    day; a rule sending civic groups to their county applies from its date."""
    work.units.jurisdiction["193601"] = [JurisdictionChange(date(2026, 3, 5), "K12EA", "TXG")]
    txg = Principal("biz-193601", frozenset({"business"}), unit="193601")
    before = registered(work, clock, txg)
    assert lifecycle.submit(work, clock, txg, before["id"], 7)[
        "reviewing_authority_code"] == "K12EA"  # 4 March: not moved yet
    clock.advance(days=1)
    after = registered(work, clock, txg)
    assert lifecycle.submit(work, clock, txg, after["id"], 7)[
        "reviewing_authority_code"] == "TXG"
    union = Principal("biz-ttu", frozenset({"business"}), unit="TNN-TTU")
    work.units.routing.append(RoutingRule("r1", "civic_group", "unit_county", None,
                                          date(2017, 7, 1)))
    course = registered(work, clock, union, county_code="TNN")
    assert lifecycle.submit(work, clock, union, course["id"], 7)[
        "reviewing_authority_code"] == "TNN"


def test_a_unit_the_replica_does_not_know_cannot_submit(work, clock) -> None:
    stranger = Principal("biz-x", frozenset({"business"}), unit="999999")
    course = registered(work, clock, stranger)
    with pytest.raises(Conflict) as unknown:
        lifecycle.submit(work, clock, stranger, course["id"], 7)
    assert unknown.value.slug == "unit-unknown"


def test_a_reviewer_acts_only_for_the_routed_authority(work, clock) -> None:
    course = registered(work, clock)
    lifecycle.submit(work, clock, BUSINESS, course["id"], 7)
    with pytest.raises(NotFound):
        lifecycle.review(work, clock, TXG, course["id"], "approve", [], None)
    lifecycle.review(work, clock, TPE, course["id"], "approve", [], None)
    with pytest.raises(NotFound) as hidden:  # published now, but not theirs to decide
        lifecycle.review(work, clock, TXG, course["id"], "approve", [], None)
    assert hidden.value.slug == "course-not-found"


def test_a_review_is_counted_on_its_taipei_day(work, clock) -> None:
    course = registered(work, clock)
    lifecycle.submit(work, clock, BUSINESS, course["id"], 7)
    clock.set(datetime(2026, 3, 4, 17, 0, tzinfo=UTC))  # 01:00 on 5 March in Taipei
    lifecycle.review(work, clock, TPE, course["id"], "return", ["J", "C"], "請補公文")
    [event] = work.recorded("courses.course.reviewed.v1")
    assert (event["decision"], event["reasons"], event["reviewed_on"]) == \
        ("return", ["J", "C"], "2026-03-05")
    [kept] = work.courses.reviews(course["id"])
    assert (kept.reviewer_account_id, kept.decided_on) == ("reviewer-tpe", date(2026, 3, 5))


def test_the_meeting_keyword_travels_with_the_submission(work, clock) -> None:
    course = registered(work, clock, title="學年會議暨共同備課")
    lifecycle.submit(work, clock, BUSINESS, course["id"], 7)
    [event] = work.recorded("courses.course.submitted.v1")
    assert event["meeting_keywords"] == ["學年會議"]


def test_an_edit_over_a_concurrent_change_is_refused(work, clock) -> None:
    course = registered(work, clock)
    stale = work.courses.get(course["id"])
    lifecycle.edit(work, clock, BUSINESS, course["id"], {"title": "第一次修改"})
    original_get = work.courses.get
    work.courses.get = lambda course_id: stale  # read before the other edit committed
    with pytest.raises(Conflict) as changed:
        lifecycle.edit(work, clock, BUSINESS, course["id"], {"title": "第二次修改"})
    work.courses.get = original_get
    assert changed.value.slug == "course-changed"
    assert work.courses.get(course["id"]).title == "第一次修改"


def test_enrolment_counts_come_from_the_enrolments(work, clock) -> None:
    course = registered(work, clock)
    work.courses.counts[course["id"]] = {"enrolled": 12, "waitlisted": 3, "cancelled": 2}
    seen = lifecycle.get_course(work, BUSINESS, course["id"])
    assert (seen["enrolled"], seen["waitlisted"]) == (12, 3)


def test_a_locked_course_refuses_every_edit(work, clock) -> None:
    course = registered(work, clock)
    work.courses.rows[course["id"]].status = "closed"
    with pytest.raises(Conflict) as locked:
        lifecycle.edit(work, clock, BUSINESS, course["id"], {"title": "x"})
    assert locked.value.slug == "course-locked"


def test_the_clock_is_the_one_given(work, clock) -> None:
    clock.set(datetime(2027, 1, 2, tzinfo=UTC))
    assert registered(work, clock, meetings=[{"date": "2027-02-01", "starts_at": "09:00",
                                              "ends_at": "12:00"}], hours=3,
                      enrolment_opens_at="2027-01-05T00:00:00+08:00",
                      enrolment_closes_at="2027-01-30T00:00:00+08:00")["code"] == "2027-000001"
    assert clock.now() - datetime(2027, 1, 2, tzinfo=UTC) == timedelta(0)
