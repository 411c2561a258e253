"""The event catalogue: every event type on the bus and the schema of its data.

Rules (docs/architecture.md): a type is ``<producer>.<aggregate>.<what happened>.v<N>``;
a published version never changes shape — a new shape is a new version; data never
carries a national ID or any other secret; ``version`` is the aggregate's version, so a
consumer that receives two changes out of order keeps the newer one.
"""
from marshmallow import Schema, fields, validate

from contracts.vocabulary import UNIT_TYPES
from servicekit.events import Catalogue

CODE = validate.Regexp(r"^[A-Za-z0-9_-]{1,32}$")


class UnitRegisteredV1(Schema):
    """accounts → everyone who keeps a unit replica (courses, transfer, stats)."""
    unit_code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    unit_type = fields.String(required=True, validate=validate.OneOf(UNIT_TYPES))
    authority_code = fields.String(required=True, validate=CODE)
    version = fields.Integer(required=True, validate=validate.Range(min=1))


SCHEMAS: dict[str, type[Schema]] = {
    "accounts.unit.registered.v1": UnitRegisteredV1,
}

CATALOGUE = Catalogue(SCHEMAS)
