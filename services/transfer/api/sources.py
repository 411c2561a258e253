"""Sources and their onboarding (R-TRF-1, R-TRF-7): operators manage them; a unit's
business accounts read their own unit's."""
from __future__ import annotations

from dataclasses import asdict

from marshmallow import Schema, fields, validate

from servicekit.api import roles
from services.transfer.api.base import api, components, runtime
from services.transfer.domain.sources import MODES, RECORDED_STEPS, STATES
from services.transfer.handlers import sources

STAFF = roles("operator", "admin")
READERS = roles("operator", "admin", "business")


class SourceCreate(Schema):
    code = fields.String(required=True, validate=validate.Length(min=2, max=32))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    owner_unit = fields.String(required=True, validate=validate.Length(min=1, max=16))
    mode = fields.String(required=True, validate=validate.OneOf(MODES))
    contact_email = fields.Email(load_default=None, allow_none=True,
                                 validate=validate.Length(max=254))


class ContactRequest(Schema):
    contact_email = fields.Email(required=True, allow_none=True,
                                 validate=validate.Length(max=254))


class StepSchema(Schema):
    name = fields.String()
    by = fields.String()
    at = fields.AwareDateTime()
    reference = fields.String(allow_none=True)


class SourceSchema(Schema):
    code = fields.String()
    name = fields.String()
    owner_unit = fields.String()
    mode = fields.String()
    state = fields.String()
    steps = fields.List(fields.Nested(StepSchema))
    contact_email = fields.String(allow_none=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())


class StepRequest(Schema):
    step = fields.String(required=True, validate=validate.OneOf(RECORDED_STEPS))
    reference = fields.String(load_default=None, validate=validate.Length(min=1, max=100))


class StateRequest(Schema):
    state = fields.String(required=True, validate=validate.OneOf(STATES))


def _work():
    return components().unit_of_work()


@api.route("/sources", "POST", allow=STAFF, body=SourceCreate, response=SourceSchema,
           status=201, summary="Register a source (evaluating): owner unit, mode")
def register_source(principal, body):
    return asdict(sources.register(_work(), runtime().clock, body["code"], body["name"],
                                   body["owner_unit"], body["mode"], body["contact_email"]))


@api.route("/sources/<code>/contact", "PUT", allow=READERS, body=ContactRequest,
           response=SourceSchema,
           summary="Whom the source's findings (late or missing reports, audits that "
                   "differ) are mailed to: its maintainer at the owner unit; null for none")
def set_source_contact(principal, code, body):
    return asdict(sources.set_contact(_work(), principal, code, body["contact_email"]))


@api.route("/sources", "GET", allow=READERS, response=SourceSchema, many=True,
           summary="Sources: every one for the network's staff, a unit's own for its "
                   "business accounts")
def list_sources(principal):
    return [asdict(source) for source in sources.listing(_work(), principal)]


@api.route("/sources/<code>", "GET", allow=READERS, response=SourceSchema,
           summary="A source with its onboarding steps and its live record counts")
def get_source(principal, code):
    source, counts = sources.read(_work(), principal, code)
    return {**asdict(source), "counts": counts}


@api.route("/sources/<code>/steps", "POST", allow=STAFF, body=StepRequest,
           response=SourceSchema, summary="Record an onboarding step (who and when)")
def record_step(principal, code, body):
    return asdict(sources.record_step(_work(), runtime().clock, principal, code,
                                      body["step"], body["reference"]))


@api.route("/sources/<code>/state", "POST", allow=STAFF, body=StateRequest,
           response=SourceSchema,
           summary="Move a source on: test, production (drops its test records), archived "
                   "(sealed)")
def move_source(principal, code, body):
    return asdict(sources.move(_work(), runtime().clock, principal, code, body["state"]))


class MonthCountSchema(Schema):
    month = fields.String()
    courses = fields.Integer()
    attendance = fields.Integer()


@api.route("/sources/<code>/counts", "GET", allow=READERS, response=MonthCountSchema,
           many=True, summary="Live production records per month (R-TRF-10): courses by "
                              "start, attendance by completion")
def source_counts(principal, code):
    return sources.monthly_counts(_work(), principal, code)


class StatedCountsSchema(Schema):
    month = fields.String()
    courses = fields.Integer()
    attendance = fields.Integer()
    hours = fields.Decimal(as_string=True)
    reported_by = fields.String()
    reported_at = fields.AwareDateTime()


@api.route("/sources/<code>/reported-counts", "GET", allow=READERS,
           response=StatedCountsSchema, many=True,
           summary="The monthly counts the source stated for its audits (R-TRF-11), newest "
                   "month first, with who stated them and when")
def stated_counts(principal, code):
    return sources.stated_counts(_work(), principal, code)


class FreezeException(Schema):
    source_course_key = fields.String(required=True, validate=validate.Length(min=1, max=60))
    reference = fields.String(required=True, validate=validate.Length(min=1, max=100))


@api.route("/sources/<code>/freeze-exceptions", "POST", allow=STAFF, body=FreezeException,
           status=201, summary="Let one course through the freeze (R-TRF-5), with the "
                               "decision's reference")
def grant_freeze_exception(principal, code, body):
    return sources.grant_freeze_exception(_work(), runtime().clock, principal, code,
                                          body["source_course_key"], body["reference"])
