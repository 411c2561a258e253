"""HTTP edge of planning (R-CRS-13): the school-based plan of a school year, a teacher's
own plan, the school's summary of its teachers' plans, and the reviewers' list of their
schools' plans. School years are ROC school years (115 = 2026-08-01 … 2027-07-31)."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate

from servicekit.api import roles
from servicekit.errors import Invalid
from servicekit.tokens import Principal
from services.courses.api import api
from services.courses.domain.planning import (
    SCHOOL_YEAR_RANGE,
    BudgetLine,
    PlannedCourse,
    SchoolPlanContent,
    TeacherPlanContent,
)
from services.courses.handlers import planning
from services.courses.routes.base import components, path_code, runtime

CODE = validate.Regexp(r"^[A-Za-z0-9_-]{1,32}$")
NOT_BLANK = validate.Regexp(r"[\s\S]*\S[\s\S]*", error="not only spaces")
MONTH = validate.Regexp(r"^\d{4}-\d{2}$", error="YYYY-MM, a month of the school year")


def _text(longest: int) -> fields.String:
    return fields.String(required=True,
                         validate=[validate.Length(min=1, max=longest), NOT_BLANK])


def _hours(value: Decimal) -> None:
    # Checked here rather than by validate.Range (Decimal bounds would reach the OpenAPI
    # document as strings).
    if not Decimal(0) < value <= Decimal("999.9"):
        raise ValidationError("more than 0 and at most 999.9")


def _hours_per_teacher(value: Decimal) -> None:
    if not Decimal(0) <= value <= Decimal("999.9"):
        raise ValidationError("0 to 999.9")


def school_year_of_path(value: str) -> int:
    low, high = SCHOOL_YEAR_RANGE
    if re.fullmatch(r"\d{1,3}", value) and low <= int(value) <= high:
        return int(value)
    raise Invalid("validation-failed", "The request is not valid", "See `errors` for each field.",
                  errors={"school_year": [f"a ROC school year, {low} to {high} (115 is "
                                          "2026-08-01 to 2027-07-31)"]})


# -- bodies -------------------------------------------------------------------------------

class TeacherCourseSchema(Schema):
    title = _text(100)
    hours = fields.Decimal(required=True, validate=_hours, allow_nan=False,
                           metadata={"exclusiveMinimum": 0, "maximum": 999.9,
                                     "description": "one decimal"})
    month = fields.String(required=True, validate=MONTH,
                          metadata={"description": "YYYY-MM, within the school year"})
    tags = fields.List(fields.String(validate=CODE), load_default=list,
                       validate=validate.Length(max=10),
                       metadata={"description": "policy tag codes (/vocabularies/tag)"})
    theme = fields.String(load_default=None, allow_none=True,
                          validate=validate.Length(min=1, max=100),
                          metadata={"description": "one of the school's plan's themes"})


class SchoolCourseSchema(TeacherCourseSchema):
    target = fields.String(load_default=None, allow_none=True, validate=CODE,
                           metadata={"description": "an audience code (/vocabularies/audience); "
                                                    "needed to submit"})


class BudgetLineSchema(Schema):
    item = _text(100)
    amount = fields.Integer(required=True, strict=True,
                            validate=validate.Range(min=0, max=1_000_000_000),
                            metadata={"description": "NTD, whole dollars"})
    source = _text(50)


def _course(data: dict[str, Any]) -> PlannedCourse:
    theme = data["theme"].strip() if data["theme"] else None
    return PlannedCourse(data["title"].strip(), data["hours"], data["month"],
                         tuple(data["tags"]), theme, data.get("target"))


class SchoolPlanBodySchema(Schema):
    themes = fields.List(_text(100), load_default=list, validate=validate.Length(max=20))
    courses = fields.List(fields.Nested(SchoolCourseSchema), load_default=list,
                          validate=validate.Length(max=200))
    hours_per_teacher = fields.Decimal(load_default=None, allow_none=True, allow_nan=False,
                                       validate=_hours_per_teacher,
                                       metadata={"minimum": 0, "maximum": 999.9,
                                                 "description": "the in-service hours each "
                                                                "teacher is planned to take"})
    budget = fields.List(fields.Nested(BudgetLineSchema), load_default=list,
                         validate=validate.Length(max=100))
    version = fields.Integer(load_default=None, allow_none=True, strict=True,
                             validate=validate.Range(min=0, max=2_147_483_647),
                             metadata={"description": "the version read (0: none yet); a "
                                                      "plan saved meanwhile answers 409"})

    @post_load
    def _content(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        return {"version": data["version"], "content": SchoolPlanContent(
            tuple(theme.strip() for theme in data["themes"]),
            tuple(_course(c) for c in data["courses"]), data["hours_per_teacher"],
            tuple(BudgetLine(b["item"].strip(), b["amount"], b["source"].strip())
                  for b in data["budget"]))}


class TeacherPlanBodySchema(Schema):
    goals = fields.List(_text(200), load_default=list, validate=validate.Length(max=10))
    courses = fields.List(fields.Nested(TeacherCourseSchema), load_default=list,
                          validate=validate.Length(max=50))
    version = fields.Integer(load_default=None, allow_none=True, strict=True,
                             validate=validate.Range(min=0, max=2_147_483_647))

    @post_load
    def _content(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        return {"version": data["version"], "content": TeacherPlanContent(
            tuple(goal.strip() for goal in data["goals"]),
            tuple(_course(c) for c in data["courses"]))}


class PlansQuerySchema(Schema):
    authority = fields.String(load_default=None, validate=CODE,
                              metadata={"description": "one authority's schools (staff); a "
                                                       "reviewer's own by default"})


# -- answers ------------------------------------------------------------------------------

class WindowSchema(Schema):
    opens_on = fields.Date()
    closes_on = fields.Date()
    open = fields.Boolean()


class PlannedCourseOutSchema(Schema):
    title = fields.String()
    hours = fields.Float()
    month = fields.String()
    tags = fields.List(fields.String())
    tag_labels = fields.List(fields.String())
    theme = fields.String(allow_none=True)
    target = fields.String(allow_none=True)
    target_label = fields.String(allow_none=True)


class BudgetLineOutSchema(Schema):
    item = fields.String()
    amount = fields.Integer()
    source = fields.String()


class SchoolPlanSchema(Schema):
    unit_code = fields.String()
    unit_name = fields.String()
    school_year = fields.Integer()
    first_day = fields.Date()
    last_day = fields.Date()
    status = fields.String(metadata={"description": "none | draft | submitted"})
    version = fields.Integer()
    themes = fields.List(fields.String())
    courses = fields.List(fields.Nested(PlannedCourseOutSchema))
    hours_per_teacher = fields.Float(allow_none=True)
    course_hours = fields.Float()
    budget = fields.List(fields.Nested(BudgetLineOutSchema))
    budget_total = fields.Integer()
    updated_at = fields.DateTime(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    window = fields.Nested(WindowSchema)
    editable = fields.Boolean()


class TeacherPlanSchema(Schema):
    school_year = fields.Integer()
    unit_code = fields.String()
    goals = fields.List(fields.String())
    courses = fields.List(fields.Nested(PlannedCourseOutSchema))
    hours = fields.Float()
    version = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class MyPlanSchema(Schema):
    school_year = fields.Integer()
    unit_code = fields.String(allow_none=True)
    unit_name = fields.String(allow_none=True)
    window = fields.Nested(WindowSchema)
    editable = fields.Boolean()
    plan = fields.Nested(TeacherPlanSchema, allow_none=True)
    school_plan = fields.Nested(SchoolPlanSchema, allow_none=True)


class PlanListItemSchema(Schema):
    unit_code = fields.String()
    unit_name = fields.String()
    authority_code = fields.String()
    county_code = fields.String(allow_none=True)
    submitted_at = fields.DateTime()
    themes = fields.List(fields.String())
    courses = fields.Integer()
    course_hours = fields.Float()
    hours_per_teacher = fields.Float(allow_none=True)
    budget_total = fields.Integer()


class PlanListSchema(Schema):
    school_year = fields.Integer()
    authority_code = fields.String(allow_none=True)
    total = fields.Integer()
    plans = fields.List(fields.Nested(PlanListItemSchema))


class SumSchema(Schema):
    hours = fields.Float()
    teachers = fields.Integer()
    courses = fields.Integer()


class ThemeSumSchema(SumSchema):
    theme = fields.String(allow_none=True)


class TagSumSchema(SumSchema):
    tag = fields.String()
    label = fields.String()


class WithPlanSchema(Schema):
    account_id = fields.String()
    name = fields.String()
    hours = fields.Float()
    courses = fields.Integer()
    updated_at = fields.DateTime()


class WithoutPlanSchema(Schema):
    account_id = fields.String()
    name = fields.String()


class TeachersSummarySchema(Schema):
    unit_code = fields.String()
    unit_name = fields.String()
    school_year = fields.Integer()
    school_plan_status = fields.String()
    window = fields.Nested(WindowSchema)
    teachers = fields.Integer()
    with_plan = fields.Integer()
    without_plan = fields.Integer()
    hours_planned = fields.Float()
    hours_by_theme = fields.List(fields.Nested(ThemeSumSchema))
    hours_by_tag = fields.List(fields.Nested(TagSumSchema))
    teachers_with_plan = fields.List(fields.Nested(WithPlanSchema))
    teachers_without_plan = fields.List(fields.Nested(WithoutPlanSchema))


# -- routes -------------------------------------------------------------------------------

BUSINESS = roles("business")
SCHOOL_READERS = roles("business", "reviewer", "operator", "admin")
PLAN_LISTERS = roles("reviewer", "operator", "admin")
SUMMARY_READERS = roles("business", "operator", "admin")
TEACHER = roles("teacher")


def _rules() -> Any:
    return components().planning


@api.route("/plans/<school_year>/schools", "GET", allow=PLAN_LISTERS, query=PlansQuerySchema,
           response=PlanListSchema,
           summary="Submitted school-based plans of a school year: a reviewer's authority's "
                   "schools, or every school's for the network's staff (R-CRS-13)")
def list_school_plans(principal: Principal, school_year: str, query: dict[str, Any]) -> Any:
    return planning.submitted_school_plans(components().uow(), principal,
                                           school_year_of_path(school_year), query["authority"])


@api.route("/plans/<school_year>/schools/<unit_code>", "GET", allow=SCHOOL_READERS,
           response=SchoolPlanSchema,
           summary="A school's school-based plan: the school in any state, reviewers of its "
                   "authority and the network's staff once submitted (R-CRS-13)")
def get_school_plan(principal: Principal, school_year: str, unit_code: str) -> Any:
    year = school_year_of_path(school_year)
    return planning.school_plan(components().uow(), runtime().clock, _rules(), principal,
                                path_code(unit_code), year)


@api.route("/plans/<school_year>/schools/<unit_code>", "PUT", allow=BUSINESS,
           body=SchoolPlanBodySchema, response=SchoolPlanSchema,
           summary="Save the school's plan as a draft, while the school window is open "
                   "(R-CRS-13)")
def save_school_plan(principal: Principal, school_year: str, unit_code: str,
                     body: dict[str, Any]) -> Any:
    year = school_year_of_path(school_year)
    return planning.save_school_plan(components().uow(), runtime().clock, _rules(), principal,
                                     path_code(unit_code), year, body["content"],
                                     body["version"])


@api.route("/plans/<school_year>/schools/<unit_code>/submission", "POST", allow=BUSINESS,
           response=SchoolPlanSchema,
           summary="Submit the school's plan, while the school window is open (R-CRS-13)")
def submit_school_plan(principal: Principal, school_year: str, unit_code: str) -> Any:
    year = school_year_of_path(school_year)
    return planning.submit_school_plan(components().uow(), runtime().clock, _rules(),
                                       principal, path_code(unit_code), year)


@api.route("/plans/<school_year>/schools/<unit_code>/teachers", "GET", allow=SUMMARY_READERS,
           response=TeachersSummarySchema,
           summary="The school's teachers' plans summarised: who wrote one, hours per theme "
                   "and tag (R-CRS-13)")
def teachers_summary(principal: Principal, school_year: str, unit_code: str) -> Any:
    year = school_year_of_path(school_year)
    return planning.teachers_summary(components().uow(), runtime().clock, _rules(), principal,
                                     path_code(unit_code), year)


@api.route("/plans/<school_year>/me", "GET", allow=TEACHER, response=MyPlanSchema,
           summary="The teacher's own plan and their school's submitted plan (R-CRS-13)")
def my_plan(principal: Principal, school_year: str) -> Any:
    return planning.my_plan(components().uow(), runtime().clock, _rules(), principal,
                            school_year_of_path(school_year))


@api.route("/plans/<school_year>/me", "PUT", allow=TEACHER, body=TeacherPlanBodySchema,
           response=TeacherPlanSchema,
           summary="Save the teacher's own plan, while the teacher window is open (R-CRS-13)")
def save_my_plan(principal: Principal, school_year: str, body: dict[str, Any]) -> Any:
    return planning.save_my_plan(components().uow(), runtime().clock, _rules(), principal,
                                 school_year_of_path(school_year), body["content"],
                                 body["version"])
