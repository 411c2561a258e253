"""The catalogue: the public cross search over published courses (R-CRS-9), and the
report of titles that name a meeting (R-CRS-10)."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from servicekit.api import PUBLIC, roles
from servicekit.tokens import Principal
from services.courses.api import api
from services.courses.domain.search import KEYWORD_MAX, PER_PAGE_MAX, SORTS
from services.courses.handlers import meeting_report, search
from services.courses.routes import schemas as s
from services.courses.routes.base import components, runtime

_KEYWORD = validate.Length(max=KEYWORD_MAX)


class CatalogueQuerySchema(Schema):
    """Every filter of the seed's advanced search; all intersect. Codes are checked against
    the vocabularies by the search (an unknown one names its parameter)."""
    q = fields.String(load_default=None, validate=_KEYWORD, metadata={
        "description": "title keyword (Chinese or Latin; punctuation only is no keyword), "
                       "or a course code such as 2026-000123"})
    audience = fields.String(load_default=None, validate=s.CODE)
    class_type = fields.String(load_default=None, validate=s.CODE)
    nature = fields.String(load_default=None, validate=s.CODE)
    county = fields.String(load_default=None, validate=s.CODE)
    category = fields.String(load_default=None, validate=s.CODE)
    subcategory = fields.String(load_default=None, validate=s.CODE)
    subject = fields.String(load_default=None, validate=s.CODE)
    time_slot = fields.String(load_default=None, validate=s.CODE)
    tag = fields.String(load_default=None, validate=s.CODE)
    unit = fields.String(load_default=None, validate=_KEYWORD,
                         metadata={"description": "a keyword of the organising unit's name"})
    lecturer = fields.String(load_default=None, validate=_KEYWORD)
    start_from = fields.Date(load_default=None)
    start_to = fields.Date(load_default=None)
    days_ahead = fields.Integer(load_default=None, validate=validate.Range(min=0, max=366),
                                metadata={"description": "starting from today to this many "
                                                         "days ahead (Taipei)"})
    include_past = fields.Boolean(load_default=False,
                                  metadata={"description": "also courses that have ended"})
    open_now = fields.Boolean(load_default=False,
                              metadata={"description": "enrolment window open, seats left"})
    sort = fields.String(load_default=None, validate=validate.OneOf(SORTS), metadata={
        "description": "start_date (default), newest, title; relevance (default) with q"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=PER_PAGE_MAX))


class CatalogueItemSchema(s.CourseSummarySchema):
    enrolled = fields.Integer()
    waitlisted = fields.Integer()


class FacetsSchema(Schema):
    county = fields.Dict(keys=fields.String(), values=fields.Integer())
    category = fields.Dict(keys=fields.String(), values=fields.Integer())
    tag = fields.Dict(keys=fields.String(), values=fields.Integer())
    time_slot = fields.Dict(keys=fields.String(), values=fields.Integer())


class CataloguePageSchema(Schema):
    items = fields.List(fields.Nested(CatalogueItemSchema))
    page = fields.Integer()
    per_page = fields.Integer()
    sort = fields.String()
    total = fields.Integer()
    facets = fields.Nested(FacetsSchema)
    # A match larger than the search's bound (10,000 courses): total and facets estimated
    # from a sample of it, and, by relevance, only its most recent courses ranked.
    total_is_estimate = fields.Boolean()
    facets_approximate = fields.Boolean()
    relevance_approximate = fields.Boolean()


@api.route("/", "GET", allow=PUBLIC, query=CatalogueQuerySchema, response=CataloguePageSchema,
           summary="Search the published courses, every filter intersecting (R-CRS-9)")
def list_courses(principal: Principal | None, query: dict[str, Any]) -> Any:
    return search.search(components().uow(), runtime().clock, query)


# -- the meeting-as-training report (R-CRS-10) ------------------------------------------------

class MeetingReportQuerySchema(Schema):
    from_ = fields.Date(required=True, data_key="from",
                        metadata={"description": "first day courses start on"})
    to = fields.Date(required=True, metadata={"description": "last day courses start on"})
    authority = fields.String(load_default=None, validate=s.CODE, metadata={
        "description": "a reviewing authority (operators; a reviewer's is their own)"})


class MeetingCourseSchema(Schema):
    id = fields.String()
    code = fields.String()
    title = fields.String()
    unit_code = fields.String()
    status = fields.String()
    starts_on = fields.Date()
    keywords = fields.List(fields.String())


class MeetingAuthoritySchema(Schema):
    authority_code = fields.String()
    courses = fields.List(fields.Nested(MeetingCourseSchema))
    meeting_only = fields.List(fields.Nested(MeetingCourseSchema), metadata={
        "description": "titles that are only a meeting's name"})


class MeetingReportSchema(Schema):
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
    authority_code = fields.String(allow_none=True)
    keywords = fields.List(fields.String())
    authorities = fields.List(fields.Nested(MeetingAuthoritySchema))
    flagged = fields.Integer()
    meeting_only = fields.Integer()


@api.route("/meeting-report", "GET", allow=roles("reviewer", "operator", "viewer", "admin"),
           query=MeetingReportQuerySchema, response=MeetingReportSchema,
           summary="Courses whose titles name a meeting, per period and authority (R-CRS-10)")
def meeting_report_of(principal: Principal, query: dict[str, Any]) -> Any:
    return meeting_report.report(components().uow(), principal, query["from_"], query["to"],
                                 query["authority"])
