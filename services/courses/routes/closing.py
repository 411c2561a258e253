"""HTTP edge of closing (R-CRS-5…7, R-CRS-11): attendance and its review, the return
reasons, amendments and their monthly batches, the traffic light, the transcript."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from contracts.calendar import taipei_date
from servicekit.api import roles
from servicekit.tokens import Principal
from servicekit.web import current_runtime
from services.courses.api import api
from services.courses.components import CoursesComponents
from services.courses.domain import amendments as amendment_rules
from services.courses.domain.closing import Attendee
from services.courses.handlers import amendments, attendance, lights, transcripts
from services.courses.routes.base import path_code

CODE = validate.Regexp(r"^[A-Za-z0-9_-]{1,32}$")
HOURS_RANGE = validate.Range(min=Decimal("0.1"), max=Decimal("999.9"))
_templates = Environment(loader=FileSystemLoader(Path(__file__).parent.parent / "templates"),
                         autoescape=select_autoescape(["html"]))


def _components() -> tuple[Any, CoursesComponents]:
    runtime = current_runtime()
    return runtime, runtime.components


def _one_decimal(value: Decimal) -> None:
    if value != value.quantize(Decimal("0.1")):
        raise ValidationError("hours have one decimal")


class AttendeeSchema(Schema):
    account_id = fields.UUID(required=True)
    hours = fields.Decimal(required=True, allow_nan=False, validate=HOURS_RANGE)
    walk_in = fields.Boolean(load_default=False)

    @validates_schema
    def _hours(self, data: dict[str, Any], **_kwargs: Any) -> None:
        _one_decimal(data["hours"])


class AttendanceSchema(Schema):
    attendees = fields.List(fields.Nested(AttendeeSchema), required=True,
                            validate=validate.Length(max=5000))


class AttendeeOutSchema(Schema):
    account_id = fields.String()
    hours = fields.Float()
    walk_in = fields.Boolean()
    teacher_name = fields.String(allow_none=True, metadata={
        "description": "from the teachers' replica; null while the teacher's events are "
                       "on their way"})
    school_code = fields.String(allow_none=True)


class ReviewRecordSchema(Schema):
    decision = fields.String()
    reasons = fields.List(fields.String())
    comment = fields.String(allow_none=True)
    reviewer_account_id = fields.String()
    decided_at = fields.DateTime()


class AttendanceOutSchema(Schema):
    course_id = fields.String()
    status = fields.String()
    late = fields.Boolean(allow_none=True)
    due_on = fields.Date()
    submitted_at = fields.DateTime(allow_none=True)
    attendees = fields.List(fields.Nested(AttendeeOutSchema))
    total_hours = fields.Float()
    reviews = fields.List(fields.Nested(ReviewRecordSchema))


class AttendanceDecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(("approve", "return")))
    reasons = fields.List(fields.String(validate=CODE), load_default=list,
                          validate=validate.Length(max=20))
    comment = fields.String(load_default=None, allow_none=True,
                            validate=validate.Length(max=1000))


class AttendanceDecisionOutSchema(Schema):
    course_id = fields.String()
    status = fields.String()
    decision = fields.String()
    reasons = fields.List(fields.String())
    comment = fields.String(allow_none=True)


@api.route("/<course_id>/attendance", "PUT", allow=roles("business"), body=AttendanceSchema,
           response=AttendanceOutSchema,
           summary="Send the attendee list with each teacher's hours (R-CRS-5)")
def put_attendance(principal: Principal, course_id: str, body: dict[str, Any]) -> Any:
    runtime, components = _components()
    listed = [Attendee(str(a["account_id"]), a["hours"], a["walk_in"])
              for a in body["attendees"]]
    return attendance.submit(components.uow(), runtime.clock, components.closing, principal,
                             course_id, listed)


@api.route("/<course_id>/attendance", "GET", allow=roles("business", "reviewer", "operator",
                                                           "admin"),
           response=AttendanceOutSchema,
           summary="The attendee list, its deadline and every decision on it (R-CRS-5)")
def get_attendance(principal: Principal, course_id: str) -> Any:
    _runtime, components = _components()
    return attendance.show(components.uow(), components.closing, principal, course_id)


@api.route("/<course_id>/attendance/review", "POST", allow=roles("reviewer"),
           body=AttendanceDecisionSchema, response=AttendanceDecisionOutSchema,
           summary="Approve the attendee list (the course closes, hours are issued) or "
                   "return it with reasons (R-CRS-5)")
def review_attendance(principal: Principal, course_id: str, body: dict[str, Any]) -> Any:
    runtime, components = _components()
    return attendance.review(components.uow(), runtime.clock, components.closing, principal,
                             course_id, body["decision"], body["reasons"], body["comment"])


# -- amendments (R-CRS-6) -----------------------------------------------------------------

class AttendeeHoursSchema(Schema):
    """A listed teacher's new hours, or a teacher added (enrolled, or a walk-in)."""
    account_id = fields.UUID(required=True)
    hours = fields.Decimal(required=True, allow_nan=False, validate=HOURS_RANGE)
    walk_in = fields.Boolean(load_default=False)

    @validates_schema
    def _hours(self, data: dict[str, Any], **_kwargs: Any) -> None:
        _one_decimal(data["hours"])

    @post_load
    def _id_as_text(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        return {**data, "account_id": str(data["account_id"])}


class ChangesSchema(Schema):
    title = fields.String(validate=validate.Length(min=1, max=200))
    place = fields.String(validate=validate.Length(min=1, max=200))
    starts_on = fields.Date()
    ends_on = fields.Date()
    hours = fields.Decimal(allow_nan=False, validate=HOURS_RANGE)
    attendees = fields.List(fields.Nested(AttendeeHoursSchema),
                            validate=validate.Length(min=1, max=5000))
    remove_attendees = fields.List(fields.UUID(), validate=validate.Length(min=1, max=5000),
                                   metadata={"description": "account ids whose hours are "
                                                            "withdrawn"})

    @validates_schema
    def _hours(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if "hours" in data:
            _one_decimal(data["hours"])

    @post_load
    def _ids_as_text(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        if "remove_attendees" in data:
            data["remove_attendees"] = [str(account) for account in data["remove_attendees"]]
        return data


class AmendmentBodySchema(Schema):
    changes = fields.Nested(ChangesSchema, required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class AuditSchema(Schema):
    field = fields.String()
    old_value = fields.Raw(allow_none=True)
    new_value = fields.Raw(allow_none=True)
    changed_by = fields.String()
    changed_at = fields.DateTime()
    reference = fields.String()


class AmendmentSchema(Schema):
    amendment_id = fields.String()
    course_id = fields.String()
    unit_code = fields.String()
    changes = fields.Raw()
    previous = fields.Raw()
    reason = fields.String()
    requested_by = fields.String()
    requested_at = fields.DateTime()
    approver_authority_code = fields.String()
    batch_month = fields.String()
    due_on = fields.Date()
    status = fields.String()
    decided_by = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    reference = fields.String(allow_none=True)
    comment = fields.String(allow_none=True)
    audit = fields.List(fields.Nested(AuditSchema))


class UnitAmendmentsQuerySchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(
        (amendment_rules.PENDING, amendment_rules.APPROVED, amendment_rules.REJECTED)))
    course_id = fields.UUID(load_default=None)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class UnitAmendmentSchema(AmendmentSchema):
    class Meta:
        exclude = ("audit",)  # the decision's audit is the course's, read with the course

    course_code = fields.String()
    course_title = fields.String()


class UnitAmendmentsSchema(Schema):
    unit_code = fields.String()
    items = fields.List(fields.Nested(UnitAmendmentSchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class AmendmentDecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(("approve", "reject")))
    reference = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(min=1, max=100))
    comment = fields.String(load_default=None, allow_none=True,
                            validate=validate.Length(max=1000))


class BatchQuerySchema(Schema):
    approver = fields.String(load_default=None, validate=validate.Length(min=1, max=32))


class BatchSchema(Schema):
    approver = fields.String()
    month = fields.String()
    due_on = fields.Date()
    overdue = fields.Boolean()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    requests = fields.List(fields.Nested(AmendmentSchema))


class RouteSchema(Schema):
    category = fields.String()
    approver = fields.String()


class RouteBodySchema(Schema):
    approver = fields.String(required=True, validate=CODE)


MONTH = validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="a month is YYYY-MM")


@api.route("/<course_id>/amendments", "POST", allow=roles("business"),
           body=AmendmentBodySchema, response=AmendmentSchema, status=201,
           summary="Ask to change a closed course: fields, new values, reason (R-CRS-6)")
def post_amendment(principal: Principal, course_id: str, body: dict[str, Any]) -> Any:
    runtime, components = _components()
    return amendments.request(components.uow(), runtime.clock, principal, course_id,
                              body["changes"], body["reason"])


@api.route("/amendments/<amendment_id>/decision", "POST", allow=roles("reviewer", "operator"),
           body=AmendmentDecisionSchema, response=AmendmentSchema,
           summary="Apply (with the approving reference) or refuse an amendment (R-CRS-6)")
def decide_amendment(principal: Principal, amendment_id: str, body: dict[str, Any]) -> Any:
    runtime, components = _components()
    return amendments.decide(components.uow(), runtime.clock, principal, amendment_id,
                             body["decision"], body["reference"], body["comment"])


@api.route("/amendments/batches/<month>", "GET", allow=roles("reviewer", "operator", "admin"),
           query=BatchQuerySchema, response=BatchSchema,
           summary="An approver's amendments of a month, due by the 5th of the next (R-CRS-6)")
def get_amendment_batch(principal: Principal, month: str, query: dict[str, Any]) -> Any:
    runtime, components = _components()
    try:
        MONTH(month)
    except ValidationError as error:
        raise ValidationError({"month": error.messages}) from None
    return amendments.batch(components.uow(), runtime.clock, principal, month, query["approver"])


@api.route("/units/<code>/amendments", "GET", allow=roles("business", "reviewer", "operator",
                                                           "admin"),
           query=UnitAmendmentsQuerySchema, response=UnitAmendmentsSchema,
           summary="A unit's own amendment requests, newest first, with their state and "
                   "decision; by status and course (R-CRS-6)")
def get_unit_amendments(principal: Principal, code: str, query: dict[str, Any]) -> Any:
    _runtime, components = _components()
    course_id = str(query["course_id"]) if query["course_id"] else None
    return amendments.of_unit(components.uow(), principal, path_code(code), query["status"],
                              course_id, query["page"], query["per_page"])


@api.route("/amendment-routes", "GET", allow=roles("business", "reviewer", "operator", "admin"),
           response=RouteSchema, many=True,
           summary="Who approves amendments, by the unit's category (R-CRS-6)")
def get_amendment_routes(principal: Principal) -> Any:
    _runtime, components = _components()
    return amendments.routes(components.uow())


@api.route("/amendment-routes/<category>", "PUT", allow=roles("operator"), body=RouteBodySchema,
           response=RouteSchema,
           summary="Route a unit category's amendments: network, county or an authority")
def put_amendment_route(principal: Principal, category: str, body: dict[str, Any]) -> Any:
    runtime, components = _components()
    if category not in amendment_rules.CATEGORIES:
        raise ValidationError({"category": [f"one of {list(amendment_rules.CATEGORIES)}"]})
    return amendments.put_route(components.uow(), runtime.clock, principal, category,
                                body["approver"])


# -- the traffic light (R-CRS-7) ----------------------------------------------------------

class OverdueSchema(Schema):
    course_id = fields.String()
    code = fields.String()
    title = fields.String()
    ends_on = fields.Date()
    due_on = fields.Date()
    status = fields.String()


class LightSchema(Schema):
    unit_code = fields.String()
    year = fields.Integer()
    light = fields.String()
    overdue_count = fields.Integer()
    blocks_submission = fields.Boolean()
    enforced_from = fields.Date()
    overdue = fields.List(fields.Nested(OverdueSchema))


@api.route("/units/<code>/light", "GET", allow=roles("business", "reviewer", "operator",
                                                      "admin"),
           response=LightSchema,
           summary="The unit's traffic light and the courses that cause it (R-CRS-7)")
def get_light(principal: Principal, code: str) -> Any:
    runtime, components = _components()
    return lights.show(components.uow(), runtime.clock, components.closing, principal, code)


# -- the transcript (R-CRS-11) ------------------------------------------------------------

class TranscriptQuerySchema(Schema):
    year = fields.Integer(load_default=None, validate=validate.Range(min=1990, max=2100))
    tag = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv", "html")))


class EntrySchema(Schema):
    hours = fields.Float()
    title = fields.String()
    source = fields.String()
    organiser = fields.String()
    date = fields.Date(attribute="ends_on")
    starts_on = fields.Date()
    tags = fields.List(fields.String())


class YearTotalSchema(Schema):
    year = fields.Integer()
    hours = fields.Float()


class TagTotalSchema(Schema):
    tag = fields.String()
    hours = fields.Float()


class TranscriptSchema(Schema):
    account_id = fields.String()
    year = fields.Integer(allow_none=True)
    tag = fields.String(allow_none=True)
    entries = fields.List(fields.Nested(EntrySchema))
    total_hours = fields.Float()
    by_year = fields.List(fields.Nested(YearTotalSchema))
    by_tag = fields.List(fields.Nested(TagTotalSchema))


# No response schema declared: the answer is JSON (TranscriptSchema), CSV or HTML by
# ``format``, and the document names no single media type for it.
@api.route("/transcripts/me", "GET", allow=roles("teacher"), query=TranscriptQuerySchema,
           summary="My hours from network courses and transfer records, by year and tag "
                   "(JSON, TranscriptSchema); ?format=csv or html (printable) (R-CRS-11)")
def get_my_transcript(principal: Principal, query: dict[str, Any]) -> Any:
    runtime, components = _components()
    answer = transcripts.mine(components.uow(), principal, query["year"], query["tag"])
    if query["format"] == "csv":
        return Response(transcripts.as_csv(answer), mimetype="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="transcript.csv"',
                                 "Cache-Control": "no-store"})
    if query["format"] == "html":
        page = _templates.get_template("transcript.html").render(
            answer=answer, printed_on=taipei_date(runtime.clock.now()).isoformat())
        return Response(page, mimetype="text/html", headers={
            "Cache-Control": "no-store", "X-Frame-Options": "DENY",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                       "frame-ancestors 'none'"})
    return TranscriptSchema().dump(answer)
