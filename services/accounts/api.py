"""HTTP edge of the accounts service: schemas in, use cases, schemas out."""
from marshmallow import Schema, fields, validate

from contracts.vocabulary import UNIT_TYPES
from servicekit.api import PUBLIC, ServiceApi, roles
from servicekit.problems import not_found
from servicekit.web import current_runtime
from services.accounts.handlers import units

api = ServiceApi("accounts")


class UnitSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    unit_type = fields.String(required=True, validate=validate.OneOf(UNIT_TYPES))
    authority_code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    version = fields.Integer(dump_only=True)


@api.route("/units", "POST", allow=roles("operator", "admin"), summary="Register a unit",
           body=UnitSchema, response=UnitSchema, status=201)
def register_unit(principal, body):  # type: ignore[no-untyped-def]
    return units.register_unit(current_runtime(), **body)


@api.route("/units/<code>", "GET", allow=PUBLIC, summary="A unit (public directory data)",
           response=UnitSchema)
def get_unit(principal, code):  # type: ignore[no-untyped-def]
    unit = units.find_unit(current_runtime(), code)
    if unit is None:
        raise not_found(f"no unit {code}")
    return unit
