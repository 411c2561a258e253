"""Planning (R-CRS-13): a school's business account writes the school-based plan of a
school year while its window is open, saves drafts and submits it; each teacher of the
school writes their own plan in theirs, reading the school's submitted plan; the school
sees its teachers' plans summarised; the reviewers of the school's authority, and the
network's operators, read submitted plans. Outside a window a plan is read-only."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from servicekit.clock import Clock
from servicekit.errors import Conflict, Forbidden, NotFound
from services.courses.adapters.plans_repo import SchoolPlan, TeacherPlan
from services.courses.adapters.uow import CoursesUnitOfWork
from services.courses.config import PlanningRules
from services.courses.domain import planning as rules_of
from services.courses.domain.planning import (
    DRAFT,
    SCHOOL_TYPES,
    SUBMITTED,
    PlannedCourse,
    SchoolPlanContent,
    TeacherPlanContent,
)
from services.courses.domain.vocabularies import AUDIENCE, TAG, Vocabulary

if TYPE_CHECKING:  # the token's reader pulls in the web stack; handlers need only its shape
    from servicekit.tokens import Principal

STAFF = ("operator", "admin")  # the network's staff read every submitted plan


def plan_not_found(unit_code: str, school_year: int) -> NotFound:
    """No plan, and a plan the caller may not see, answer alike."""
    return NotFound(f"no plan of {unit_code} for school year {school_year}",
                    slug="plan-not-found", title="No such plan", unit_code=unit_code,
                    school_year=school_year)


def _changed(school_year: int) -> Conflict:
    return Conflict("plan-changed", "The plan was changed meanwhile",
                    f"the plan of school year {school_year} was saved by someone else since "
                    "it was read; read it again", school_year=school_year)


def _active(vocabulary: Vocabulary, kind: str) -> list[str]:
    return [term.code for term in vocabulary.of_kind(kind) if term.active]


def _own_school(uow: CoursesUnitOfWork, principal: Principal, unit_code: str,
                school_year: int) -> dict[str, Any]:
    """The school of the caller's business token, or a refusal: another unit's plan is
    not found; a unit whose events have not arrived, or that is not a school, is said."""
    if not principal.unit:
        raise Forbidden("a business token names its unit", slug="no-unit")
    if principal.unit != unit_code:
        raise plan_not_found(unit_code, school_year)
    unit = uow.plans.unit(unit_code)
    if unit is None:
        raise Conflict("unit-unknown", "The unit is not known yet",
                       f"courses has not yet received unit {unit_code} from accounts",
                       unit_code=unit_code)
    if unit["unit_type"] not in SCHOOL_TYPES:
        raise Forbidden(f"unit {unit_code} is a {unit['unit_type']}: only schools write a "
                        "school-based plan", slug="not-a-school", unit_code=unit_code,
                        unit_type=unit["unit_type"])
    return unit


def _in_scope(principal: Principal, unit: dict[str, Any]) -> bool:
    """A reviewer reads the plans of the schools their authority supervises, or of its
    county; the network's staff every school's."""
    if principal.has_any_role(*STAFF):
        return True
    return principal.has_any_role("reviewer") and principal.authority is not None \
        and principal.authority in (unit["authority_code"], unit["county_code"])


# -- shapes -------------------------------------------------------------------------------

def _course_out(course: PlannedCourse, vocabulary: Vocabulary) -> dict[str, Any]:
    labels = vocabulary.labels(TAG, course.tags)
    target = vocabulary.labels(AUDIENCE, [course.target]) if course.target else {}
    return {"title": course.title, "hours": course.hours, "month": course.month,
            "tags": list(course.tags), "tag_labels": [labels.get(tag, tag) for tag in course.tags],
            "theme": course.theme, "target": course.target,
            "target_label": target.get(course.target) if course.target else None}


def _school_out(unit: dict[str, Any], school_year: int, plan: SchoolPlan | None,
                vocabulary: Vocabulary, window: dict[str, Any], editable: bool
                ) -> dict[str, Any]:
    content = plan.content if plan else SchoolPlanContent()
    first, last = rules_of.school_year_span(school_year)
    return {
        "unit_code": unit["code"], "unit_name": unit["name"], "school_year": school_year,
        "first_day": first, "last_day": last,
        "status": plan.status if plan else "none", "version": plan.version if plan else 0,
        "themes": list(content.themes),
        "courses": [_course_out(course, vocabulary) for course in content.courses],
        "hours_per_teacher": content.hours_per_teacher,
        "course_hours": rules_of.total_hours(content.courses),
        "budget": [{"item": b.item, "amount": b.amount, "source": b.source}
                   for b in content.budget],
        "budget_total": sum(b.amount for b in content.budget),
        "updated_at": plan.updated_at if plan else None,
        "submitted_at": plan.submitted_at if plan else None,
        "window": window, "editable": editable,
    }


def _teacher_out(plan: TeacherPlan, vocabulary: Vocabulary) -> dict[str, Any]:
    return {"school_year": plan.school_year, "unit_code": plan.unit_code,
            "goals": list(plan.content.goals),
            "courses": [_course_out(c, vocabulary) for c in plan.content.courses],
            "hours": rules_of.total_hours(plan.content.courses), "version": plan.version,
            "created_at": plan.created_at, "updated_at": plan.updated_at}


# -- the school-based plan ----------------------------------------------------------------

def save_school_plan(uow: CoursesUnitOfWork, clock: Clock, rules: PlanningRules,
                     principal: Principal, unit_code: str, school_year: int,
                     content: SchoolPlanContent, version: int | None) -> dict[str, Any]:
    """Writes the whole plan (a draft); a submitted plan edited in the window goes back to
    draft and is submitted again. ``version``, when given, must be the one read."""
    now = clock.now()
    with uow:
        unit = _own_school(uow, principal, unit_code, school_year)
        rules_of.require_open(rules.school_window, school_year, now, "school")
        vocabulary = uow.vocabularies.vocabulary()
        rules_of.check_school_plan(content, school_year, _active(vocabulary, TAG),
                                   _active(vocabulary, AUDIENCE))
        kept = uow.plans.school_plan(unit_code, school_year)
        if version is not None and version != (kept.version if kept else 0):
            raise _changed(school_year)
        if kept is None:
            plan = SchoolPlan(unit_code, school_year, DRAFT, content, 1, now, now,
                              principal.subject, None, None)
            if not uow.plans.add_school_plan(plan):
                raise _changed(school_year)
        else:
            plan = replace(kept, status=DRAFT, content=content, version=kept.version + 1,
                           updated_at=now, updated_by=principal.subject, submitted_at=None,
                           submitted_by=None)
            if not uow.plans.update_school_plan(plan, kept.version):
                raise _changed(school_year)
        window = rules.school_window.describe(school_year, now)
        return _school_out(unit, school_year, plan, vocabulary, window, True)


def submit_school_plan(uow: CoursesUnitOfWork, clock: Clock, rules: PlanningRules,
                       principal: Principal, unit_code: str, school_year: int
                       ) -> dict[str, Any]:
    now = clock.now()
    with uow:
        unit = _own_school(uow, principal, unit_code, school_year)
        rules_of.require_open(rules.school_window, school_year, now, "school")
        kept = uow.plans.school_plan(unit_code, school_year)
        if kept is None:
            raise plan_not_found(unit_code, school_year)
        if kept.status == SUBMITTED:
            raise Conflict("plan-already-submitted", "The plan is submitted already",
                           f"the plan of school year {school_year} was submitted at "
                           f"{kept.submitted_at:%Y-%m-%d %H:%M} UTC", school_year=school_year)
        rules_of.check_submittable(kept.content)
        plan = replace(kept, status=SUBMITTED, version=kept.version + 1, updated_at=now,
                       submitted_at=now, submitted_by=principal.subject)
        if not uow.plans.update_school_plan(plan, kept.version):
            raise _changed(school_year)
        vocabulary = uow.vocabularies.vocabulary()
        window = rules.school_window.describe(school_year, now)
        return _school_out(unit, school_year, plan, vocabulary, window, True)


def school_plan(uow: CoursesUnitOfWork, clock: Clock, rules: PlanningRules,
                principal: Principal, unit_code: str, school_year: int) -> dict[str, Any]:
    """The school's own business accounts read it in any state (``none`` before the first
    save); the reviewers in scope and the network's staff once submitted; anyone else: not
    found."""
    now = clock.now()
    window = rules.school_window.describe(school_year, now)
    with uow:
        if principal.has_any_role("business"):
            unit = _own_school(uow, principal, unit_code, school_year)
            plan = uow.plans.school_plan(unit_code, school_year)
            return _school_out(unit, school_year, plan, uow.vocabularies.vocabulary(), window,
                               window["open"])
        found = uow.plans.unit(unit_code)
        if found is None or not _in_scope(principal, found):
            raise plan_not_found(unit_code, school_year)
        plan = uow.plans.school_plan(unit_code, school_year)
        if plan is None or plan.status != SUBMITTED:
            raise plan_not_found(unit_code, school_year)
        return _school_out(found, school_year, plan, uow.vocabularies.vocabulary(), window,
                           False)


def submitted_school_plans(uow: CoursesUnitOfWork, principal: Principal, school_year: int,
                           authority: str | None) -> dict[str, Any]:
    """The submitted plans of a year: a reviewer's authority's schools; the network's staff
    every school's, or one authority's."""
    if not principal.has_any_role(*STAFF):
        if not principal.authority:
            raise Forbidden("a reviewer's token names their authority", slug="no-authority")
        if authority not in (None, principal.authority):
            raise Forbidden("a reviewer reads only their own authority's schools' plans",
                            slug="other-authority")
        authority = principal.authority
    with uow:
        found = uow.plans.submitted_plans(school_year, authority)
    plans = [{"unit_code": unit["code"], "unit_name": unit["name"],
              "authority_code": unit["authority_code"], "county_code": unit["county_code"],
              "submitted_at": plan.submitted_at, "themes": list(plan.content.themes),
              "courses": len(plan.content.courses),
              "course_hours": rules_of.total_hours(plan.content.courses),
              "hours_per_teacher": plan.content.hours_per_teacher,
              "budget_total": sum(b.amount for b in plan.content.budget)}
             for plan, unit in found]
    return {"school_year": school_year, "authority_code": authority, "total": len(plans),
            "plans": plans}


def teachers_summary(uow: CoursesUnitOfWork, clock: Clock, rules: PlanningRules,
                     principal: Principal, unit_code: str, school_year: int) -> dict[str, Any]:
    """The school's teachers' plans summarised: the school's own business accounts and the
    network's staff. Names come from the teachers' replica; nothing else of a teacher."""
    now = clock.now()
    with uow:
        if principal.has_any_role("business"):
            unit = _own_school(uow, principal, unit_code, school_year)
        else:
            found = uow.plans.unit(unit_code)
            if found is None or found["unit_type"] not in SCHOOL_TYPES \
                    or not principal.has_any_role(*STAFF):
                raise plan_not_found(unit_code, school_year)
            unit = found
        teachers = uow.plans.teachers_of(unit_code)
        written = uow.plans.written_plans([t.account_id for t in teachers], school_year)
        labels = {term.code: term.label for term in uow.vocabularies.terms(TAG)}
        kept = uow.plans.school_plan(unit_code, school_year)
    return {"unit_code": unit_code, "unit_name": unit["name"], "school_year": school_year,
            "school_plan_status": kept.status if kept else "none",
            "window": rules.teacher_window.describe(school_year, now),
            **rules_of.summarise(teachers, written, labels)}


# -- the teacher's own plan ---------------------------------------------------------------

def _school_of(uow: CoursesUnitOfWork, principal: Principal) -> dict[str, Any] | None:
    """The school the teachers' replica names for the caller, if an enabled teacher of a
    school."""
    teacher = uow.plans.teacher(principal.subject)
    if teacher is None or teacher.status != "enabled" or not teacher.unit_code:
        return None
    unit = uow.plans.unit(teacher.unit_code)
    return unit if unit is not None and unit["unit_type"] in SCHOOL_TYPES else None


def _submitted(uow: CoursesUnitOfWork, unit_code: str, school_year: int) -> SchoolPlan | None:
    plan = uow.plans.school_plan(unit_code, school_year)
    return plan if plan is not None and plan.status == SUBMITTED else None


def my_plan(uow: CoursesUnitOfWork, clock: Clock, rules: PlanningRules, principal: Principal,
            school_year: int) -> dict[str, Any]:
    """The teacher's plan (``null`` before the first save) and their school's submitted
    plan, read-only (``null`` while it has none)."""
    now = clock.now()
    window = rules.teacher_window.describe(school_year, now)
    with uow:
        school = _school_of(uow, principal)
        plan = uow.plans.teacher_plan(principal.subject, school_year)
        vocabulary = uow.vocabularies.vocabulary()
        school_plan_ = _submitted(uow, school["code"], school_year) if school else None
        school_window = rules.school_window.describe(school_year, now)
        return {
            "school_year": school_year, "unit_code": school["code"] if school else None,
            "unit_name": school["name"] if school else None, "window": window,
            "editable": window["open"] and school is not None,
            "plan": _teacher_out(plan, vocabulary) if plan else None,
            "school_plan": _school_out(school, school_year, school_plan_, vocabulary,
                                       school_window, False)
            if school and school_plan_ else None,
        }


def save_my_plan(uow: CoursesUnitOfWork, clock: Clock, rules: PlanningRules,
                 principal: Principal, school_year: int, content: TeacherPlanContent,
                 version: int | None) -> dict[str, Any]:
    now = clock.now()
    with uow:
        school = _school_of(uow, principal)
        if school is None:
            raise Conflict("teacher-without-school", "No school is known for this teacher",
                           "the teachers' list courses keeps from accounts names no school for "
                           "this account (or the account is not enabled): a teacher's plan is "
                           "written as a teacher of a school")
        rules_of.require_open(rules.teacher_window, school_year, now, "teacher")
        vocabulary = uow.vocabularies.vocabulary()
        school_plan_ = _submitted(uow, school["code"], school_year)
        rules_of.check_teacher_plan(content, school_year, _active(vocabulary, TAG),
                                    school_plan_.content.themes if school_plan_ else None)
        hours: Decimal = rules_of.total_hours(content.courses)
        kept = uow.plans.teacher_plan(principal.subject, school_year)
        if version is not None and version != (kept.version if kept else 0):
            raise _changed(school_year)
        if kept is None:
            plan = TeacherPlan(principal.subject, school_year, school["code"], content, 1,
                               now, now)
            if not uow.plans.add_teacher_plan(plan, hours):
                raise _changed(school_year)
        else:
            plan = replace(kept, unit_code=school["code"], content=content,
                           version=kept.version + 1, updated_at=now)
            if not uow.plans.update_teacher_plan(plan, hours, kept.version):
                raise _changed(school_year)
        return _teacher_out(plan, vocabulary)
