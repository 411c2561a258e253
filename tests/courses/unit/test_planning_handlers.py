"""Planning's use cases on a FakeUnitOfWork (R-CRS-13): who may read and write which plan
(scope by unit, authority and county), what commits and what rolls back, and a first save
that loses a race."""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from planning_fakes import FakePlanningUnitOfWork

from contracts.calendar import TAIPEI
from servicekit.clock import FixedClock
from servicekit.errors import ApplicationError, Conflict, Forbidden, NotFound
from servicekit.tokens import Principal
from services.courses.config import PlanningRules
from services.courses.domain.planning import PlannedCourse, SchoolPlanContent, TeacherPlanContent
from services.courses.handlers import planning

RULES = PlanningRules()
YEAR = 115
CONTENT = SchoolPlanContent(
    themes=("防災教育",),
    courses=(PlannedCourse("校園防災演練", Decimal("3"), "2026-10", ("disaster_prevention",),
                           "防災教育", "senior_high"),), hours_per_teacher=Decimal("18"))
MINE = TeacherPlanContent(goals=("精進防災教學",), courses=(
    PlannedCourse("防災教材", Decimal("2.5"), "2026-12", ("disaster_prevention",), "防災教育"),))


def taipei(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=TAIPEI).astimezone(UTC)


def business(unit: str | None) -> Principal:
    return Principal(subject=f"business-{unit}", roles=frozenset({"business"}), unit=unit)


def staff(role: str, authority: str | None = None) -> Principal:
    return Principal(subject=f"{role}-1", roles=frozenset({role}), authority=authority)


def teacher(account_id: str) -> Principal:
    return Principal(subject=account_id, roles=frozenset({"teacher"}))


@pytest.fixture
def work() -> FakePlanningUnitOfWork:
    uow = FakePlanningUnitOfWork()
    for code, unit_type, authority, county in (
            ("353301", "senior_high_school", "TPE", "TPE"),
            ("193601", "senior_high_school", "K12EA", "TXG"),  # a national school in Taichung
            ("TPE-STUDY", "county_teacher_study_centre", "TPE", "TPE")):
        uow.plans.add_unit(code, unit_type, authority, county)
    uow.plans.add_teacher("t-1", "王小明", "193601")
    uow.plans.add_teacher("t-2", "林美玲", "193601", status="disabled")
    uow.plans.add_teacher("t-3", "陳大文", "TPE-STUDY")
    uow.plans.add_teacher("t-4", "張雅婷", None)
    return uow


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(taipei(2026, 8, 20, 10, 0))


def submitted(work, clock, unit: str = "193601") -> None:
    planning.save_school_plan(work, clock, RULES, business(unit), unit, YEAR, CONTENT, None)
    planning.submit_school_plan(work, clock, RULES, business(unit), unit, YEAR)


def refused(call, kind: type[ApplicationError], slug: str) -> ApplicationError:
    with pytest.raises(kind) as error:
        call()
    assert error.value.slug == slug
    return error.value


def test_a_refused_write_commits_nothing(work, clock) -> None:
    clock.set(taipei(2026, 9, 1, 0, 0))
    refused(lambda: planning.save_school_plan(work, clock, RULES, business("353301"), "353301",
                                              YEAR, CONTENT, None), Conflict,
            "plan-window-closed")
    assert (work.commits, work.rollbacks, work.plans.schools) == (0, 1, {})
    clock.set(taipei(2026, 8, 31, 23, 59))
    saved = planning.save_school_plan(work, clock, RULES, business("353301"), "353301", YEAR,
                                      CONTENT, None)
    assert (saved["status"], saved["version"], work.commits) == ("draft", 1, 1)
    assert work.events == []  # plans publish nothing: the statistics do not count them


def test_a_first_save_that_loses_a_race_is_told_so(work, clock) -> None:
    work.plans.taken_meanwhile = True
    refused(lambda: planning.save_school_plan(work, clock, RULES, business("353301"), "353301",
                                              YEAR, CONTENT, None), Conflict, "plan-changed")
    clock.set(taipei(2026, 9, 10, 9, 0))
    refused(lambda: planning.save_my_plan(work, clock, RULES, teacher("t-1"), YEAR,
                                          TeacherPlanContent(goals=("讀書會",)), None),
            Conflict, "plan-changed")


def test_only_the_schools_own_business_accounts_write_its_plan(work, clock) -> None:
    for principal, kind, slug in ((business("193601"), NotFound, "plan-not-found"),
                                  (business(None), Forbidden, "no-unit")):
        refused(lambda p=principal: planning.save_school_plan(
            work, clock, RULES, p, "353301", YEAR, CONTENT, None), kind, slug)
    error = refused(lambda: planning.save_school_plan(
        work, clock, RULES, business("TPE-STUDY"), "TPE-STUDY", YEAR, CONTENT, None),
        Forbidden, "not-a-school")
    assert error.facts["unit_type"] == "county_teacher_study_centre"
    refused(lambda: planning.submit_school_plan(work, clock, RULES, business("353301"),
                                                "353301", YEAR), NotFound, "plan-not-found")


@pytest.mark.parametrize("principal, sees", [
    (staff("reviewer", "K12EA"), True),  # the supervising authority
    (staff("reviewer", "TXG"), True),  # the county the school is in
    (staff("reviewer", "TPE"), False),
    (staff("reviewer"), False),  # a reviewer's token without an authority
    (staff("operator"), True),
    (staff("admin"), True),
    (staff("viewer"), False),
])
def test_a_submitted_plan_is_read_within_scope(work, clock, principal, sees) -> None:
    planning.save_school_plan(work, clock, RULES, business("193601"), "193601", YEAR, CONTENT,
                              None)
    refused(lambda: planning.school_plan(work, clock, RULES, principal, "193601", YEAR),
            NotFound, "plan-not-found")  # a draft is the school's own
    planning.submit_school_plan(work, clock, RULES, business("193601"), "193601", YEAR)
    if sees:
        plan = planning.school_plan(work, clock, RULES, principal, "193601", YEAR)
        assert (plan["status"], plan["editable"]) == ("submitted", False)
    else:
        refused(lambda: planning.school_plan(work, clock, RULES, principal, "193601", YEAR),
                NotFound, "plan-not-found")


def test_the_list_keeps_to_the_reviewers_authority(work, clock) -> None:
    submitted(work, clock, "193601")
    submitted(work, clock, "353301")
    listed = planning.submitted_school_plans(work, staff("reviewer", "TXG"), YEAR, None)
    assert [p["unit_code"] for p in listed["plans"]] == ["193601"]
    every = planning.submitted_school_plans(work, staff("operator"), YEAR, None)
    assert [p["unit_code"] for p in every["plans"]] == ["193601", "353301"]
    assert planning.submitted_school_plans(work, staff("admin"), YEAR, "TPE")["total"] == 1
    refused(lambda: planning.submitted_school_plans(work, staff("reviewer", "TXG"), YEAR,
                                                    "TPE"), Forbidden, "other-authority")
    refused(lambda: planning.submitted_school_plans(work, staff("reviewer"), YEAR, None),
            Forbidden, "no-authority")


def test_only_an_enabled_teacher_of_a_school_writes_a_plan(work, clock) -> None:
    submitted(work, clock)
    clock.set(taipei(2026, 9, 10, 9, 0))
    for account_id in ("t-2", "t-3", "t-4", "t-unknown"):  # disabled, no school, none, unknown
        refused(lambda a=account_id: planning.save_my_plan(work, clock, RULES, teacher(a), YEAR,
                                                           MINE, None),
                Conflict, "teacher-without-school")
        assert planning.my_plan(work, clock, RULES, teacher(account_id), YEAR)["unit_code"] \
            is None
    saved = planning.save_my_plan(work, clock, RULES, teacher("t-1"), YEAR, MINE, None)
    assert (saved["unit_code"], saved["hours"]) == ("193601", Decimal("2.5"))
    shown = planning.my_plan(work, clock, RULES, teacher("t-1"), YEAR)
    assert shown["school_plan"]["themes"] == ["防災教育"] and shown["editable"]


def test_the_summary_is_the_schools_and_the_networks(work, clock) -> None:
    submitted(work, clock)
    clock.set(taipei(2026, 9, 10, 9, 0))
    planning.save_my_plan(work, clock, RULES, teacher("t-1"), YEAR, MINE, None)
    own = planning.teachers_summary(work, clock, RULES, business("193601"), "193601", YEAR)
    assert (own["teachers"], own["with_plan"], own["hours_planned"]) == (1, 1, Decimal("2.5"))
    assert own["window"]["open"] is True
    assert planning.teachers_summary(work, clock, RULES, staff("operator"), "193601",
                                     YEAR)["with_plan"] == 1
    refused(lambda: planning.teachers_summary(work, clock, RULES, business("353301"), "193601",
                                              YEAR), NotFound, "plan-not-found")
    refused(lambda: planning.teachers_summary(work, clock, RULES, staff("reviewer", "TXG"),
                                              "193601", YEAR), NotFound, "plan-not-found")
    refused(lambda: planning.teachers_summary(work, clock, RULES, staff("operator"),
                                              "TPE-STUDY", YEAR), NotFound, "plan-not-found")
