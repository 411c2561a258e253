"""HTTP edge of enrolment (R-CRS-4): teachers enrol, cancel and see their enrolments;
the organiser (a business account of the course's unit) decides pending ones and lists
the course's enrolments and attempts; anyone checks a lottery's published seed."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from servicekit.api import PUBLIC, roles
from servicekit.tokens import Principal
from servicekit.web import current_runtime
from services.courses.api import api
from services.courses.components import CoursesComponents
from services.courses.domain.enrolment import STATUSES
from services.courses.handlers import enrolments


def _uow() -> Any:
    components: CoursesComponents = current_runtime().components
    return components.enrolments()


def _unit_of(principal: Principal) -> str | None:
    """The unit whose courses the caller organises; None for the network's staff, who see
    every course. A business account without a unit organises none (every course of
    another unit answers 404, as one that does not exist)."""
    if principal.has_any_role("operator", "admin"):
        return None
    return principal.unit or ""


class PlacedSchema(Schema):
    enrolment_id = fields.String()
    course_id = fields.String()
    status = fields.String(metadata={"description": "enrolled | waitlisted | pending | applied"})
    arrival = fields.Integer(metadata={"description": "the attempt's sequence number"})
    position = fields.Integer(allow_none=True, metadata={"description": "on the waiting list"})


class EnrolmentSchema(Schema):
    enrolment_id = fields.String()
    course_id = fields.String()
    account_id = fields.String()
    status = fields.String()
    arrival = fields.Integer()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class ListedEnrolmentSchema(EnrolmentSchema):
    teacher_name = fields.String(allow_none=True, metadata={
        "description": "from the teachers' replica; null while the teacher's events are "
                       "on their way"})
    school_code = fields.String(allow_none=True)


class CourseEnrolmentsSchema(Schema):
    course_id = fields.String()
    capacity = fields.Integer()
    enrolled = fields.Integer()
    waitlisted = fields.Integer()
    enrolments = fields.List(fields.Nested(ListedEnrolmentSchema))


class StatusQuerySchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))


class AttemptsQuerySchema(Schema):
    account_id = fields.String(load_default=None, validate=validate.Length(min=1, max=36))


class AttemptSchema(Schema):
    arrival = fields.Integer()
    account_id = fields.String()
    outcome = fields.String()
    at = fields.AwareDateTime()
    enrolment_id = fields.String(allow_none=True)


class MyEnrolmentSchema(Schema):
    enrolment_id = fields.String()
    course_id = fields.String()
    code = fields.String()
    title = fields.String()
    starts_on = fields.Date()
    status = fields.String()
    arrival = fields.Integer()
    position = fields.Integer(allow_none=True)
    fairness = fields.String(metadata={"description": "first_come | lottery"})
    closes_at = fields.AwareDateTime(metadata={
        "description": "the enrolment window's close: a lottery's draw"})
    drawn_at = fields.AwareDateTime(allow_none=True, metadata={
        "description": "a lottery course's draw, once made (null before it and for a "
                       "first-come course): then enrolled or pending is drawn, not_drawn "
                       "is not"})
    updated_at = fields.AwareDateTime()


class DecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(("accept", "decline")))


class LotterySchema(Schema):
    course_id = fields.String()
    seed_sha256 = fields.String()
    published_at = fields.AwareDateTime()
    closes_at = fields.AwareDateTime()
    drawn_at = fields.AwareDateTime(allow_none=True)
    seed = fields.String(allow_none=True, metadata={"description": "revealed by the draw"})
    seats = fields.Integer()
    applicants = fields.Integer(allow_none=True)
    winners = fields.Integer(allow_none=True)


@api.route("/<course_id>/enrolments", "POST", allow=roles("teacher"), status=201,
           response=PlacedSchema,
           summary="Enrol in an approved course inside its window (teachers only): "
                   "enrolled, waitlisted, pending or applied, with the arrival number")
def enrol(principal: Principal, course_id: str) -> Any:
    return enrolments.enrol(_uow(), current_runtime().clock, course_id, principal.subject)


@api.route("/<course_id>/enrolments/me", "DELETE", allow=roles("teacher"),
           response=EnrolmentSchema,
           summary="Cancel one's enrolment; a freed seat goes to the waiting list's head")
def cancel(principal: Principal, course_id: str) -> Any:
    return enrolments.cancel(_uow(), current_runtime().clock, course_id, principal.subject)


@api.route("/enrolments/me", "GET", allow=roles("teacher"), response=MyEnrolmentSchema,
           many=True, summary="A teacher's enrolments with their states")
def my_enrolments(principal: Principal) -> Any:
    return enrolments.my_enrolments(_uow(), principal.subject)


@api.route("/<course_id>/enrolments", "GET", allow=roles("business", "operator", "admin"),
           query=StatusQuerySchema, response=CourseEnrolmentsSchema,
           summary="The course's enrolments (its organising unit, or the network's staff)")
def course_enrolments(principal: Principal, course_id: str, query: dict[str, Any]) -> Any:
    return enrolments.course_enrolments(_uow(), course_id, _unit_of(principal), query["status"])


@api.route("/<course_id>/enrolments/<enrolment_id>/decision", "POST",
           allow=roles("business"), body=DecisionSchema, response=EnrolmentSchema,
           summary="The organiser accepts or declines a pending enrolment")
def decide(principal: Principal, course_id: str, enrolment_id: str, body: dict[str, Any]) -> Any:
    unit = _unit_of(principal)
    assert unit is not None  # a business account
    return enrolments.decide(_uow(), current_runtime().clock, course_id, enrolment_id, unit,
                             body["decision"] == "accept")


@api.route("/<course_id>/enrolment-attempts", "GET",
           allow=roles("business", "operator", "admin"), query=AttemptsQuerySchema,
           response=AttemptSchema, many=True,
           summary="Every enrolment attempt with its arrival number and outcome")
def attempts(principal: Principal, course_id: str, query: dict[str, Any]) -> Any:
    return enrolments.attempts(_uow(), course_id, _unit_of(principal), query["account_id"])


@api.route("/<course_id>/lottery", "GET", allow=PUBLIC, response=LotterySchema,
           summary="A lottery course's published seed hash, and after the draw the seed")
def lottery(principal: Principal | None, course_id: str) -> Any:
    return enrolments.lottery(_uow(), course_id)
