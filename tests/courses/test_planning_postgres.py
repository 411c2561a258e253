"""Planning on PostgreSQL (R-CRS-13): plans keep through JSON columns as on SQLite, and
saves that race for the same new plan end in one plan, the losers told `plan-changed`
(never a server error), however many arrive at once."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from courses_helpers import unit_events
from test_planning_api import SCHOOL_OPENS, TEACHERS, TEACHERS_OPEN, WANG, account_event

from servicekit.errors import Conflict
from servicekit.service import Runtime
from servicekit.tokens import Principal
from services.courses.domain.planning import (
    BudgetLine,
    PlannedCourse,
    SchoolPlanContent,
    TeacherPlanContent,
)
from services.courses.handlers import planning, replica

BUSINESS = Principal(subject="business-353301", roles=frozenset({"business"}), unit="353301")
SCHOOL_PLAN = SchoolPlanContent(
    themes=("防災教育",),
    courses=(PlannedCourse("校園防災演練", Decimal("3.5"), "2026-10", ("disaster_prevention",),
                           "防災教育", "senior_high"),),
    hours_per_teacher=Decimal("18"), budget=(BudgetLine("講座鐘點費", 12000, "教育部補助"),))


def test_plans_keep_and_racing_first_saves_make_one_plan(pg_courses: Runtime, clock) -> None:
    with pg_courses.database.session() as session:
        replica.apply_units(session, unit_events())
        replica.apply_teachers(session, [account_event(account_id, name, school)
                                         for account_id, (name, school) in TEACHERS.items()])
    rules = pg_courses.components.planning
    uow = pg_courses.components.uow
    clock.set(SCHOOL_OPENS)
    saved = planning.save_school_plan(uow(), clock, rules, BUSINESS, "353301", 115,
                                      SCHOOL_PLAN, None)
    assert (saved["status"], saved["course_hours"], saved["budget_total"]) == \
        ("draft", Decimal("3.5"), 12000)
    planning.submit_school_plan(uow(), clock, rules, BUSINESS, "353301", 115)
    clock.set(TEACHERS_OPEN)
    me = Principal(subject=WANG, roles=frozenset({"teacher"}))
    mine = TeacherPlanContent(goals=("精進防災教學",), courses=(
        PlannedCourse("防災教材", Decimal("2.5"), "2026-12", ("disaster_prevention",), "防災教育"),))

    def save(_n: int) -> str:
        try:
            planning.save_my_plan(uow(), clock, rules, me, 115, mine, None)
        except Conflict as refused:
            return refused.slug
        return "saved"

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(save, range(12)))
    assert set(outcomes) <= {"saved", "plan-changed"} and "saved" in outcomes
    shown = planning.my_plan(uow(), clock, rules, me, 115)
    assert shown["plan"]["version"] == outcomes.count("saved")
    assert shown["school_plan"]["themes"] == ["防災教育"]
    assert shown["school_plan"]["courses"][0]["hours"] == Decimal("3.5")
    summary = planning.teachers_summary(uow(), clock, rules, BUSINESS, "353301", 115)
    assert (summary["with_plan"], summary["hours_planned"]) == (1, Decimal("2.5"))
    assert summary["hours_by_tag"][0]["tag"] == "disaster_prevention"
