"""HTTP edge of the courses service."""
from marshmallow import Schema, fields

from contracts.calendar import today
from servicekit.api import PUBLIC, ServiceApi
from servicekit.problems import not_found
from servicekit.web import current_runtime
from services.courses.handlers import units

api = ServiceApi("courses")


class ReplicatedUnitSchema(Schema):
    code = fields.String()
    name = fields.String()
    unit_type = fields.String()
    authority_code = fields.String()
    county_code = fields.String(allow_none=True)
    version = fields.Integer()


class OnQuerySchema(Schema):
    on = fields.Date(load_default=None, metadata={"description": "the day (default: today)"})


class ReviewerSchema(Schema):
    unit_code = fields.String()
    on = fields.Date()
    supervising_authority_code = fields.String()
    reviewing_authority_code = fields.String(allow_none=True)
    rule_id = fields.String(allow_none=True)
    reviewer = fields.String()


@api.route("/units/<code>", "GET", allow=PUBLIC,
           summary="A unit as the courses service knows it (from accounts events)",
           response=ReplicatedUnitSchema)
def get_unit(principal, code):
    unit = units.find_unit(current_runtime(), code)
    if unit is None:
        raise not_found(f"no unit {code}")
    return unit


@api.route("/units/<code>/reviewer", "GET", allow=PUBLIC, query=OnQuerySchema,
           response=ReviewerSchema,
           summary="Who reviews the unit's courses on a day, as courses will route them")
def get_reviewer(principal, code, query):
    return units.reviewer(current_runtime(), code, query["on"] or today())


# Each part's routes register on ``api`` as they are imported (after ``api`` exists).
from services.courses import routes  # noqa: E402, F401
