"""Planning's plain rules (R-CRS-13): the ROC school year, the windows as month-days of it
(Taipei days, both ends included), what a plan must hold, and the school's summary of its
teachers' plans."""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from contracts.calendar import TAIPEI
from servicekit.errors import Conflict, Invalid
from servicekit.settings import InvalidSetting, Settings
from services.courses.config import PlanningRules
from services.courses.domain.planning import (
    SCHOOL_WINDOW,
    TEACHER_WINDOW,
    BudgetLine,
    PlannedCourse,
    PlanWindow,
    SchoolPlanContent,
    SchoolTeacher,
    TeacherPlanContent,
    WrittenPlan,
    check_school_plan,
    check_submittable,
    check_teacher_plan,
    months_of,
    require_open,
    school_from_json,
    school_to_json,
    school_year_of,
    school_year_span,
    summarise,
)

TAGS = ["gender_equity", "environment", "disaster_prevention"]
AUDIENCES = ["elementary", "senior_high"]


def taipei(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=TAIPEI).astimezone(UTC)


def test_the_school_year_is_rocs_and_starts_on_1_august() -> None:
    assert school_year_of(date(2026, 8, 1)) == 115
    assert school_year_of(date(2026, 7, 31)) == 114
    assert school_year_of(date(2027, 7, 31)) == 115
    assert school_year_span(115) == (date(2026, 8, 1), date(2027, 7, 31))
    assert school_year_span(106) == (date(2017, 8, 1), date(2018, 7, 31))  # the seed's year
    assert months_of(115)[0] == "2026-08" and months_of(115)[-1] == "2027-07"
    assert len(months_of(115)) == 12 and "2027-01" in months_of(115)


def test_the_default_windows_are_the_seeds() -> None:
    # 106學年度: schools 8月14日(一)至8月31日(四), teachers 9月4日(一)至9月29日(五).
    assert SCHOOL_WINDOW.days(106) == (date(2017, 8, 14), date(2017, 8, 31))
    assert TEACHER_WINDOW.days(106) == (date(2017, 9, 4), date(2017, 9, 29))
    assert PlanningRules() == PlanningRules.from_settings(Settings.from_env("courses", {}))


@pytest.mark.parametrize("moment, is_open", [
    (taipei(2026, 8, 13, 23, 59, 59), False),  # 13 Aug 23:59 Taipei: closed
    (taipei(2026, 8, 14, 0, 0), True),  # 14 Aug 00:00 Taipei: open
    (datetime(2026, 8, 13, 16, 0, tzinfo=UTC), True),  # the same moment, told in UTC
    (datetime(2026, 8, 13, 15, 59, 59, tzinfo=UTC), False),
    (taipei(2026, 8, 31, 23, 59, 59), True),  # the last day is in the window
    (taipei(2026, 9, 1, 0, 0), False),
    (taipei(2025, 8, 20, 12, 0), False),  # the same day of another school year
])
def test_the_school_window_by_taipei_days(moment: datetime, is_open: bool) -> None:
    assert SCHOOL_WINDOW.is_open(115, moment) is is_open


def test_outside_the_window_the_refusal_names_it() -> None:
    with pytest.raises(Conflict) as refused:
        require_open(SCHOOL_WINDOW, 115, taipei(2026, 8, 13, 23, 59), "school")
    assert refused.value.slug == "plan-window-closed"
    assert refused.value.facts["window"] == {"opens_on": "2026-08-14", "closes_on": "2026-08-31"}
    assert refused.value.facts["school_year"] == 115
    assert refused.value.facts["today"] == "2026-08-13"
    require_open(SCHOOL_WINDOW, 115, taipei(2026, 8, 14, 0, 0), "school")  # no refusal


def test_a_window_may_run_over_new_year_within_the_school_year() -> None:
    window = PlanWindow.parse("12-20..01-10")
    assert window.days(115) == (date(2026, 12, 20), date(2027, 1, 10))
    assert window.is_open(115, taipei(2027, 1, 10, 23, 0))
    assert PlanWindow.parse(" 08-14 .. 08-31 ") == SCHOOL_WINDOW
    assert SCHOOL_WINDOW.text() == "08-14..08-31"


@pytest.mark.parametrize("text", ["08-31..08-14", "07-20..08-10", "8-14..8-31", "02-29..03-01",
                                  "02-30..03-01", "13-01..13-02", "", "08-14"])
def test_a_window_setting_that_makes_no_window_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        PlanWindow.parse(text)
    with pytest.raises(InvalidSetting, match="COURSES_SCHOOL_PLAN_WINDOW"):
        PlanningRules.from_settings(Settings.from_env(
            "courses", {"COURSES_SCHOOL_PLAN_WINDOW": text or " "}))


def test_windows_are_settings() -> None:
    rules = PlanningRules.from_settings(Settings.from_env("courses", {
        "SCHOOL_PLAN_WINDOW": "08-01..08-20", "COURSES_TEACHER_PLAN_WINDOW": "09-01..10-15"}))
    assert rules.school_window.days(115) == (date(2026, 8, 1), date(2026, 8, 20))
    assert rules.teacher_window.days(115) == (date(2026, 9, 1), date(2026, 10, 15))


def course(title: str = "防災教育研習", hours: str = "3", month: str = "2026-10",
           tags: tuple[str, ...] = ("disaster_prevention",), theme: str | None = "防災",
           target: str | None = "elementary") -> PlannedCourse:
    return PlannedCourse(title, Decimal(hours), month, tags, theme, target)


def school_plan(**changes) -> SchoolPlanContent:
    fields = {"themes": ("防災", "閱讀"), "courses": (course(),),
              "hours_per_teacher": Decimal("18"),
              "budget": (BudgetLine("講座鐘點費", 12000, "教育部補助"),)}
    fields.update(changes)
    return SchoolPlanContent(**fields)


def test_a_valid_school_plan_passes_and_keeps_through_json() -> None:
    content = school_plan()
    check_school_plan(content, 115, TAGS, AUDIENCES)
    check_submittable(content)
    assert school_from_json(school_to_json(content)) == content


def test_a_school_plan_names_each_broken_field() -> None:
    content = school_plan(themes=("防災", "防災"), courses=(
        course(month="2027-08"), course(hours="1.25", tags=("no_such", "environment",
                                                            "environment")),
        course(theme="不在主題", target="nobody")),
        hours_per_teacher=Decimal("1.55"))
    with pytest.raises(Invalid) as refused:
        check_school_plan(content, 115, TAGS, AUDIENCES)
    errors = refused.value.facts["errors"]
    assert set(errors) == {"themes", "courses.0.month", "courses.1.hours", "courses.1.tags",
                           "courses.2.theme", "courses.2.target", "hours_per_teacher"}
    assert len(errors["courses.1.tags"]) == 2


def test_a_draft_may_be_partial_but_not_submitted() -> None:
    draft = SchoolPlanContent(themes=("閱讀",), courses=(course(target=None, theme="閱讀"),))
    check_school_plan(draft, 115, TAGS, AUDIENCES)
    with pytest.raises(Conflict) as refused:
        check_submittable(draft)
    assert refused.value.slug == "plan-incomplete"
    assert set(refused.value.facts["errors"]) == {"courses.0.target", "hours_per_teacher"}
    with pytest.raises(Conflict) as empty:
        check_submittable(SchoolPlanContent())
    assert {"themes", "courses"} <= set(empty.value.facts["errors"])


def test_a_teachers_plan_uses_the_schools_themes() -> None:
    mine = TeacherPlanContent(goals=("精進防災教學",), courses=(course(target=None),))
    check_teacher_plan(mine, 115, TAGS, ["防災", "閱讀"])
    with pytest.raises(Invalid) as no_school_plan:
        check_teacher_plan(mine, 115, TAGS, None)
    assert "courses.0.theme" in no_school_plan.value.facts["errors"]
    check_teacher_plan(TeacherPlanContent(goals=("讀書會",)), 115, TAGS, None)
    with pytest.raises(Invalid) as empty:
        check_teacher_plan(TeacherPlanContent(), 115, TAGS, None)
    assert set(empty.value.facts["errors"]) == {"goals"}


def test_the_summary_counts_teachers_hours_per_theme_and_tag() -> None:
    at = datetime(2026, 9, 10, tzinfo=UTC)
    teachers = [SchoolTeacher("a", "王小明"), SchoolTeacher("b", "林美玲"),
                SchoolTeacher("c", "陳大文")]
    plans = {
        "a": WrittenPlan("a", TeacherPlanContent(courses=(
            course(hours="3", tags=("disaster_prevention", "environment")),
            course(hours="2.5", theme=None, tags=()))), at),
        "c": WrittenPlan("c", TeacherPlanContent(courses=(
            course(hours="6", theme="閱讀", tags=("environment",)),)), at),
        "gone": WrittenPlan("gone", TeacherPlanContent(courses=(course(hours="9"),)), at),
    }
    summary = summarise(teachers, plans, {"environment": "環境教育"})
    assert (summary["teachers"], summary["with_plan"], summary["without_plan"]) == (3, 2, 1)
    assert summary["hours_planned"] == Decimal("11.5")  # the teacher who left is not counted
    assert summary["hours_by_theme"] == [
        {"theme": "閱讀", "hours": Decimal("6"), "teachers": 1, "courses": 1},
        {"theme": "防災", "hours": Decimal("3"), "teachers": 1, "courses": 1},
        {"theme": None, "hours": Decimal("2.5"), "teachers": 1, "courses": 1}]
    assert summary["hours_by_tag"] == [
        {"tag": "disaster_prevention", "label": "disaster_prevention", "hours": Decimal("3"),
         "teachers": 1, "courses": 1},
        {"tag": "environment", "label": "環境教育", "hours": Decimal("9"), "teachers": 2,
         "courses": 2}]
    assert [t["name"] for t in summary["teachers_with_plan"]] == ["王小明", "陳大文"]
    assert summary["teachers_without_plan"] == [{"account_id": "b", "name": "林美玲"}]
