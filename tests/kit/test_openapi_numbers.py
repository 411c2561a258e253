"""A decimal bound (hours with one decimal) is a JSON number in the API document, so the
document a service builds is the one a client reads after it travelled as JSON."""
from __future__ import annotations

import json
from decimal import Decimal

from marshmallow import Schema, fields, validate

from servicekit.api import PUBLIC, ServiceApi


class Hours(Schema):
    hours = fields.Decimal(places=1, validate=validate.Range(min=Decimal("0.1"),
                                                             max=Decimal("999.9")))
    seats = fields.Integer(validate=validate.Range(min=Decimal("1"), max=40))


def test_decimal_bounds_are_json_numbers() -> None:
    api = ServiceApi("demo")

    @api.route("/hours", "POST", allow=PUBLIC, summary="hours", body=Hours)
    def hours(principal, body):  # pragma: no cover -- only documented here
        return body

    document = api.openapi("Demo")
    assert json.loads(json.dumps(document)) == document
    properties = document["components"]["schemas"]["Hours"]["properties"]
    assert (properties["hours"]["minimum"], properties["hours"]["maximum"]) == (0.1, 999.9)
    assert properties["seats"]["minimum"] == 1 and isinstance(properties["seats"]["minimum"], int)
