"""HTTP edge of the courses service."""
from marshmallow import Schema, fields

from servicekit.api import PUBLIC, ServiceApi
from servicekit.problems import not_found
from servicekit.web import current_runtime
from services.courses.handlers import replica

api = ServiceApi("courses")


class ReplicatedUnitSchema(Schema):
    code = fields.String()
    name = fields.String()
    unit_type = fields.String()
    authority_code = fields.String()
    version = fields.Integer()


@api.route("/units/<code>", "GET", allow=PUBLIC,
           summary="A unit as the courses service knows it (from accounts events)",
           response=ReplicatedUnitSchema)
def get_unit(principal, code):  # type: ignore[no-untyped-def]
    unit = replica.find_unit(current_runtime(), code)
    if unit is None:
        raise not_found(f"no unit {code}")
    return unit
