"""Planning (R-CRS-13): the school-based plan a school writes for a school year, and each
teacher's own plan, each while its window is open; and the summary of a school's teachers'
plans. Plain rules: no framework, no database.

**The school year** is Taiwan's (學年度), counted in ROC years: school year ``n`` runs from
1 August of ``n + 1911`` to 31 July of ``n + 1912`` (115學年度: 2026-08-01 … 2027-07-31).
Plans are kept per school year.

**Windows** are given as month-days of the school year, ``MM-DD..MM-DD``, both days
included, Taipei days (the seed: schools 8月14日–8月31日, teachers 9月4日–9月29日). A month
from August on falls in the school year's first calendar year, January to July in the
second; so a window may run over New Year, never over 1 August."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from contracts.calendar import taipei_date
from servicekit.errors import Conflict
from services.courses.domain.courses import invalid

ROC_OFFSET = 1911  # ROC year n is Gregorian n + 1911
FIRST_MONTH = 8  # a school year starts on 1 August
SCHOOL_YEAR_RANGE = (1, 999)  # what a path may name; anything else is not a school year

# The unit types that are schools (accounts' SCHOOL_TYPES, R-ORG-2): only these write a
# school-based plan, and only their teachers write their own.
SCHOOL_TYPES = frozenset({
    "kindergarten", "elementary_school", "junior_high_school", "senior_high_school",
    "vocational_high_school", "special_education_school", "complete_high_school",
    "overseas_school",
})

DRAFT, SUBMITTED = "draft", "submitted"
ONE_DECIMAL = Decimal("0.1")


def school_year_of(day: date) -> int:
    """The ROC school year a day falls in (2026-08-01 → 115, 2026-07-31 → 114)."""
    return day.year - ROC_OFFSET - (0 if day.month >= FIRST_MONTH else 1)


def school_year_span(school_year: int) -> tuple[date, date]:
    """First and last day of a school year."""
    return (date(school_year + ROC_OFFSET, FIRST_MONTH, 1),
            date(school_year + ROC_OFFSET + 1, FIRST_MONTH - 1, 31))


def months_of(school_year: int) -> list[str]:
    """The school year's twelve months, ``YYYY-MM``, August first."""
    first = school_year + ROC_OFFSET
    return [f"{first + (m < FIRST_MONTH)}-{m:02d}"
            for m in (*range(FIRST_MONTH, 13), *range(1, FIRST_MONTH))]


def _order(month: int, day: int) -> tuple[int, int, int]:
    """A month-day's place in a school year (August first)."""
    return (month < FIRST_MONTH, month, day)


@dataclass(frozen=True)
class PlanWindow:
    """A window as month-days of the school year, both ends included (Taipei days)."""
    starts: tuple[int, int]  # (month, day)
    ends: tuple[int, int]

    @classmethod
    def parse(cls, text: str) -> PlanWindow:
        """``MM-DD..MM-DD``; raises ValueError naming what is wrong."""
        found = re.fullmatch(r"\s*(\d{2})-(\d{2})\s*\.\.\s*(\d{2})-(\d{2})\s*", text)
        if not found:
            raise ValueError("expected MM-DD..MM-DD, e.g. 08-14..08-31")
        starts = (int(found[1]), int(found[2]))
        ends = (int(found[3]), int(found[4]))
        for month, day in (starts, ends):
            if (month, day) == (2, 29):
                raise ValueError("02-29 is not in every school year")
            try:
                date(2001, month, day)
            except ValueError:
                raise ValueError(f"{month:02d}-{day:02d} is not a day of the year") from None
        if _order(*starts) > _order(*ends):
            raise ValueError("the window must open before it closes within one school year "
                             "(1 August to 31 July)")
        return cls(starts, ends)

    def text(self) -> str:
        return f"{self.starts[0]:02d}-{self.starts[1]:02d}..{self.ends[0]:02d}-{self.ends[1]:02d}"

    def days(self, school_year: int) -> tuple[date, date]:
        """The first and last day of the window in that school year."""
        first = school_year + ROC_OFFSET
        opens = date(first + (self.starts[0] < FIRST_MONTH), *self.starts)
        closes = date(first + (self.ends[0] < FIRST_MONTH), *self.ends)
        return opens, closes

    def is_open(self, school_year: int, moment: datetime) -> bool:
        opens, closes = self.days(school_year)
        return opens <= taipei_date(moment) <= closes

    def describe(self, school_year: int, moment: datetime) -> dict[str, Any]:
        opens, closes = self.days(school_year)
        return {"opens_on": opens, "closes_on": closes,
                "open": opens <= taipei_date(moment) <= closes}


SCHOOL_WINDOW = PlanWindow((8, 14), (8, 31))  # the seed's 8月14日至8月31日
TEACHER_WINDOW = PlanWindow((9, 4), (9, 29))  # the seed's 9月4日至9月29日


def require_open(window: PlanWindow, school_year: int, moment: datetime, which: str) -> None:
    """Raises 409 ``plan-window-closed`` with the window, outside it."""
    if window.is_open(school_year, moment):
        return
    opens, closes = window.days(school_year)
    raise Conflict("plan-window-closed", "The planning window is closed",
                   f"the {which} plan of school year {school_year} is written from "
                   f"{opens.isoformat()} to {closes.isoformat()} (Taipei days); it is read-only "
                   "outside that window",
                   plan=which, school_year=school_year,
                   window={"opens_on": opens.isoformat(), "closes_on": closes.isoformat()},
                   today=taipei_date(moment).isoformat())


# -- content -----------------------------------------------------------------------------

@dataclass(frozen=True)
class PlannedCourse:
    title: str
    hours: Decimal
    month: str  # YYYY-MM, a month of the school year
    tags: tuple[str, ...] = ()
    theme: str | None = None
    target: str | None = None  # an audience code (the school's plan)


@dataclass(frozen=True)
class BudgetLine:
    item: str
    amount: int  # NTD, whole dollars
    source: str


@dataclass(frozen=True)
class SchoolPlanContent:
    themes: tuple[str, ...] = ()
    courses: tuple[PlannedCourse, ...] = ()
    hours_per_teacher: Decimal | None = None
    budget: tuple[BudgetLine, ...] = ()


@dataclass(frozen=True)
class TeacherPlanContent:
    goals: tuple[str, ...] = ()
    courses: tuple[PlannedCourse, ...] = ()


def total_hours(courses: Iterable[PlannedCourse]) -> Decimal:
    return sum((course.hours for course in courses), Decimal(0))


def _check_courses(courses: Sequence[PlannedCourse], school_year: int, tags: Iterable[str],
                   themes: Iterable[str] | None, audiences: Iterable[str] | None,
                   errors: dict[str, list[str]]) -> None:
    months, tag_codes = set(months_of(school_year)), set(tags)
    theme_names = None if themes is None else set(themes)
    for n, course in enumerate(courses):
        where = f"courses.{n}"
        if course.hours <= 0 or course.hours != course.hours.quantize(ONE_DECIMAL):
            errors.setdefault(f"{where}.hours", []).append("more than 0, one decimal")
        if course.month not in months:
            errors.setdefault(f"{where}.month", []).append(
                f"a month of school year {school_year}: {months_of(school_year)[0]} to "
                f"{months_of(school_year)[-1]}")
        unknown = sorted(set(course.tags) - tag_codes)
        if unknown:
            errors.setdefault(f"{where}.tags", []).append(f"not an active tag: {unknown}")
        if len(set(course.tags)) != len(course.tags):
            errors.setdefault(f"{where}.tags", []).append("a tag at most once")
        if course.theme is not None and (theme_names is None or course.theme not in theme_names):
            errors.setdefault(f"{where}.theme", []).append(
                "one of the themes of the school's plan" if theme_names is not None
                else "one of the themes of the school's submitted plan; it has none yet")
        if audiences is not None and course.target is not None \
                and course.target not in set(audiences):
            errors.setdefault(f"{where}.target", []).append("not an active audience code")


def check_school_plan(content: SchoolPlanContent, school_year: int, tags: Iterable[str],
                      audiences: Iterable[str]) -> None:
    """Raises 422 ``validation-failed`` naming each broken field; a draft may be partial
    (``check_submittable`` asks for the rest)."""
    errors: dict[str, list[str]] = {}
    if len(set(content.themes)) != len(content.themes):
        errors["themes"] = ["a theme at most once"]
    _check_courses(content.courses, school_year, tags, content.themes, audiences, errors)
    hours = content.hours_per_teacher
    if hours is not None and (hours < 0 or hours != hours.quantize(ONE_DECIMAL)):
        errors["hours_per_teacher"] = ["0 or more, one decimal"]
    for n, line in enumerate(content.budget):
        if line.amount < 0:
            errors[f"budget.{n}.amount"] = ["whole NTD, 0 or more"]
    if errors:
        raise invalid(errors)


def check_submittable(content: SchoolPlanContent) -> None:
    """A plan submitted names at least one theme and one planned course, and each course's
    target."""
    errors: dict[str, list[str]] = {}
    if not content.themes:
        errors["themes"] = ["at least one theme before submitting"]
    if not content.courses:
        errors["courses"] = ["at least one planned course before submitting"]
    for n, course in enumerate(content.courses):
        if course.target is None:
            errors[f"courses.{n}.target"] = ["a submitted plan names each course's target"]
    if content.hours_per_teacher is None:
        errors["hours_per_teacher"] = ["the hours planned per teacher, before submitting"]
    if errors:
        raise Conflict("plan-incomplete", "The plan is not complete",
                       "a school-based plan is submitted with its themes, its planned courses "
                       "and their targets, and the hours planned per teacher",
                       errors=errors)


def check_teacher_plan(content: TeacherPlanContent, school_year: int, tags: Iterable[str],
                       school_themes: Iterable[str] | None) -> None:
    """A teacher's plan: at least one goal or planned course; a course's theme is one of the
    school's submitted plan's."""
    errors: dict[str, list[str]] = {}
    if not content.goals and not content.courses:
        errors["goals"] = ["at least one goal or one planned course"]
    _check_courses(content.courses, school_year, tags, school_themes, None, errors)
    if errors:
        raise invalid(errors)


# -- the school's view of its teachers' plans -------------------------------------------

@dataclass(frozen=True)
class SchoolTeacher:
    account_id: str
    name: str


@dataclass(frozen=True)
class WrittenPlan:
    account_id: str
    content: TeacherPlanContent
    updated_at: datetime


@dataclass
class _Sum:
    hours: Decimal = Decimal(0)
    teachers: set[str] = field(default_factory=set)
    courses: int = 0

    def add(self, account_id: str, hours: Decimal) -> None:
        self.hours += hours
        self.teachers.add(account_id)
        self.courses += 1


def summarise(teachers: Sequence[SchoolTeacher], plans: Mapping[str, WrittenPlan],
              tag_labels: Mapping[str, str]) -> dict[str, Any]:
    """How many of the school's teachers wrote a plan, the hours planned per theme and per
    tag (a course with two tags counts for both; one without a theme under ``null``), and
    who wrote one and who did not. Only ``teachers`` count: a plan of someone who is no
    longer the school's teacher is left out."""
    by_theme: dict[str | None, _Sum] = {}
    by_tag: dict[str, _Sum] = {}
    written, missing, planned = [], [], Decimal(0)
    for teacher in sorted(teachers, key=lambda t: (t.name, t.account_id)):
        plan = plans.get(teacher.account_id)
        if plan is None:
            missing.append({"account_id": teacher.account_id, "name": teacher.name})
            continue
        hours = total_hours(plan.content.courses)
        planned += hours
        written.append({"account_id": teacher.account_id, "name": teacher.name,
                        "hours": hours, "courses": len(plan.content.courses),
                        "updated_at": plan.updated_at})
        for course in plan.content.courses:
            by_theme.setdefault(course.theme, _Sum()).add(teacher.account_id, course.hours)
            for tag in course.tags:
                by_tag.setdefault(tag, _Sum()).add(teacher.account_id, course.hours)
    return {
        "teachers": len(teachers), "with_plan": len(written), "without_plan": len(missing),
        "hours_planned": planned,
        "hours_by_theme": [{"theme": theme, "hours": s.hours, "teachers": len(s.teachers),
                            "courses": s.courses}
                           for theme, s in sorted(by_theme.items(),
                                                  key=lambda kv: (kv[0] is None, kv[0] or ""))],
        "hours_by_tag": [{"tag": tag, "label": tag_labels.get(tag, tag), "hours": s.hours,
                          "teachers": len(s.teachers), "courses": s.courses}
                         for tag, s in sorted(by_tag.items())],
        "teachers_with_plan": written, "teachers_without_plan": missing,
    }


# -- kept as JSON (hours as text, so a decimal stays exact) -----------------------------

def course_to_json(course: PlannedCourse) -> dict[str, Any]:
    return {"title": course.title, "hours": str(course.hours), "month": course.month,
            "tags": list(course.tags), "theme": course.theme, "target": course.target}


def course_from_json(data: Mapping[str, Any]) -> PlannedCourse:
    return PlannedCourse(data["title"], Decimal(data["hours"]), data["month"],
                         tuple(data.get("tags") or ()), data.get("theme"), data.get("target"))


def school_to_json(content: SchoolPlanContent) -> dict[str, Any]:
    return {"themes": list(content.themes),
            "courses": [course_to_json(c) for c in content.courses],
            "hours_per_teacher": None if content.hours_per_teacher is None
            else str(content.hours_per_teacher),
            "budget": [{"item": b.item, "amount": b.amount, "source": b.source}
                       for b in content.budget]}


def school_from_json(data: Mapping[str, Any]) -> SchoolPlanContent:
    hours = data.get("hours_per_teacher")
    return SchoolPlanContent(tuple(data.get("themes") or ()),
                             tuple(course_from_json(c) for c in data.get("courses") or ()),
                             None if hours is None else Decimal(hours),
                             tuple(BudgetLine(b["item"], int(b["amount"]), b["source"])
                                   for b in data.get("budget") or ()))


def teacher_to_json(content: TeacherPlanContent) -> dict[str, Any]:
    return {"goals": list(content.goals),
            "courses": [course_to_json(c) for c in content.courses]}


def teacher_from_json(data: Mapping[str, Any]) -> TeacherPlanContent:
    return TeacherPlanContent(tuple(data.get("goals") or ()),
                              tuple(course_from_json(c) for c in data.get("courses") or ()))
