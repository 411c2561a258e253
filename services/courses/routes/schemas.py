"""Shapes of the courses API's bodies, queries and answers (marshmallow, the edge only)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate

from servicekit.problems import TYPE_PREFIX
from services.courses.domain.courses import FAIRNESS, MEETING_KEYWORDS, QUEUE_SORT_KEYS, Meeting
from services.courses.domain.vocabularies import KINDS

CODE = validate.Regexp(r"^[A-Za-z0-9_-]{1,32}$")
STATUSES = ("draft", "submitted", "returned", "approved", "attendance_submitted",
            "attendance_returned", "closed")


class MeetingSchema(Schema):
    date = fields.Date(required=True)
    starts_at = fields.Time(required=True)
    ends_at = fields.Time(required=True)

    @post_load
    def to_meeting(self, data: dict[str, Any], **_kwargs: Any) -> Meeting:
        return Meeting(data["date"], data["starts_at"], data["ends_at"])


def _hours_in_range(value: Decimal) -> None:
    """Checked here rather than by ``validate.Range``, whose Decimal bounds would reach the
    OpenAPI document as Decimals (strings once served)."""
    if not Decimal(0) < value <= Decimal("999.9"):
        raise ValidationError("more than 0 and at most 999.9")


class CourseFieldsSchema(Schema):
    """R-CRS-1: every field a business account registers a course with."""
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    audiences = fields.List(fields.String(validate=CODE), required=True,
                            validate=validate.Length(min=1, max=10))
    class_type = fields.String(required=True, validate=CODE)
    nature = fields.String(required=True, validate=CODE)
    category = fields.String(required=True, validate=CODE)
    subcategory = fields.String(required=True, validate=CODE)
    subject = fields.String(required=True, validate=CODE)
    time_slot = fields.String(required=True, validate=CODE)
    meetings = fields.List(fields.Nested(MeetingSchema), required=True,
                           validate=validate.Length(min=1, max=100))
    hours = fields.Decimal(required=True, validate=_hours_in_range,
                           metadata={"exclusiveMinimum": 0, "maximum": 999.9,
                                     "description": "one decimal (R-CRS-1)"})
    place = fields.String(required=True, validate=validate.Length(min=1, max=200))
    county_code = fields.String(required=True, validate=validate.Length(min=3, max=3))
    lecturers = fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                            required=True, validate=validate.Length(min=1, max=30))
    capacity = fields.Integer(required=True, strict=True,
                              validate=validate.Range(min=1, max=10000))
    enrolment_opens_at = fields.AwareDateTime(required=True)
    enrolment_closes_at = fields.AwareDateTime(required=True)
    organiser_accepts = fields.Boolean(load_default=False)
    fairness = fields.String(load_default="first_come", validate=validate.OneOf(FAIRNESS))
    series_id = fields.UUID(load_default=None, allow_none=True)
    tags = fields.List(fields.String(validate=CODE), load_default=list,
                       validate=validate.Length(max=20))

    @post_load
    def series_as_text(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        if data.get("series_id") is not None:
            data["series_id"] = str(data["series_id"])
        return data


class CourseChangeSchema(CourseFieldsSchema):
    """An edit: any of the fields, each checked as at registration."""

    def load(self, data: Any, *, many: bool | None = None, partial: Any = None,
             unknown: Any = None) -> Any:
        return super().load(data, many=many, partial=True, unknown=unknown)


class SeriesCreateSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    one_session_per_teacher = fields.Boolean(load_default=False)


class SeriesSchema(Schema):
    id = fields.String()
    unit_code = fields.String()
    title = fields.String()
    one_session_per_teacher = fields.Boolean()


class UnitSeriesSchema(SeriesSchema):
    sessions = fields.Integer(metadata={"description": "its courses, in every state"})


class ReviewBodySchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(("approve", "return")))
    reasons = fields.List(fields.String(validate=validate.Length(min=1, max=32)),
                          load_default=list, validate=validate.Length(max=20))
    comment = fields.String(load_default=None, allow_none=True,
                            validate=validate.Length(max=2000))


class PageQuerySchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class QueueQuerySchema(PageQuerySchema):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    unit = fields.String(load_default=None, validate=CODE)
    starts_from = fields.Date(load_default=None)
    starts_to = fields.Date(load_default=None)
    sort = fields.String(load_default="submitted_at", validate=validate.OneOf(QUEUE_SORT_KEYS))
    order = fields.String(load_default="asc", validate=validate.OneOf(("asc", "desc")))


class UnitCoursesQuerySchema(PageQuerySchema):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    starts_from = fields.Date(load_default=None)
    starts_to = fields.Date(load_default=None)
    sort = fields.String(load_default="starts_on", validate=validate.OneOf(QUEUE_SORT_KEYS))
    order = fields.String(load_default="desc", validate=validate.OneOf(("asc", "desc")))


class MeetingOutSchema(Schema):
    date = fields.Date(attribute="on")
    starts_at = fields.Time()
    ends_at = fields.Time()


class CourseSummarySchema(Schema):
    id = fields.String()
    code = fields.String()
    title = fields.String()
    status = fields.String()
    unit_code = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    hours = fields.Float()
    capacity = fields.Integer()
    county_code = fields.String()
    enrolment_opens_at = fields.AwareDateTime()
    enrolment_closes_at = fields.AwareDateTime()
    fairness = fields.String()
    submitted_at = fields.AwareDateTime(allow_none=True)
    tags = fields.List(fields.String())
    meeting_keywords = fields.List(fields.String(), metadata={
        "description": f"R-CRS-10: which of {', '.join(MEETING_KEYWORDS)} the title holds"})
    meeting_flag = fields.Boolean()


class CoursePageSchema(Schema):
    items = fields.List(fields.Nested(CourseSummarySchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class AttachmentBriefSchema(Schema):
    id = fields.String()
    kind = fields.String()
    filename = fields.String()
    media_type = fields.String()
    size = fields.Integer()


class AttachmentSchema(AttachmentBriefSchema):
    sha256 = fields.String()
    uploaded_at = fields.AwareDateTime()


class ReviewSchema(Schema):
    decision = fields.String()
    reasons = fields.List(fields.String())
    comment = fields.String(allow_none=True)
    reviewing_authority_code = fields.String()
    decided_at = fields.AwareDateTime()


class CourseSchema(CourseSummarySchema):
    unit_name = fields.String(allow_none=True, metadata={
        "description": "the organising unit's name (from the units replica)"})
    organiser_account_id = fields.String(metadata={"description": "only to the organiser, "
                                                                  "its reviewers and staff"})
    audiences = fields.List(fields.String())
    class_type = fields.String()
    nature = fields.String()
    category = fields.String()
    subcategory = fields.String()
    subject = fields.String()
    time_slot = fields.String()
    meetings = fields.List(fields.Nested(MeetingOutSchema))
    place = fields.String()
    lecturers = fields.List(fields.String())
    organiser_accepts = fields.Boolean()
    reviewing_authority_code = fields.String(allow_none=True)
    version = fields.Integer()
    approved_at = fields.AwareDateTime(allow_none=True)
    enrolled = fields.Integer()
    waitlisted = fields.Integer()
    series = fields.Nested(SeriesSchema, allow_none=True)
    attachments = fields.List(fields.Nested(AttachmentBriefSchema))
    reviews = fields.List(fields.Nested(ReviewSchema),
                          metadata={"description": "only to the organiser and reviewers"})


class WarningSchema(Schema):
    """Beside an answer that went through: what the caller should know (problem-like)."""
    type = fields.Function(lambda warning: TYPE_PREFIX + warning["slug"])
    title = fields.String()
    detail = fields.String()
    light = fields.String()
    overdue = fields.Integer()
    enforced_from = fields.Date()


class SubmittedCourseSchema(CourseSchema):
    warnings = fields.List(fields.Nested(WarningSchema), metadata={
        "description": "R-CRS-7: `unit-light-red` while the unit's light is red before the "
                       "enforcement date (from it, the submission is refused)"})


class TermBodySchema(Schema):
    label = fields.String(required=True, validate=validate.Length(min=1, max=200))
    parent_code = fields.String(load_default=None, allow_none=True, validate=CODE)
    position = fields.Integer(load_default=None, allow_none=True,
                              validate=validate.Range(min=0, max=100000))
    active = fields.Boolean(load_default=True)
    short_label = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(max=32))
    basis = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    added_on = fields.Date(load_default=None, allow_none=True)


class TermSchema(Schema):
    kind = fields.String(validate=validate.OneOf(KINDS))
    code = fields.String()
    label = fields.String()
    parent_code = fields.String(allow_none=True)
    position = fields.Integer()
    active = fields.Boolean()
    short_label = fields.String(allow_none=True)
    basis = fields.String(allow_none=True)
    added_on = fields.Date(allow_none=True)
