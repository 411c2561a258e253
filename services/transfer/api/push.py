"""Server-to-server push (R-TRF-2): a source sends batches with its own machine token."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from servicekit.api import PROTOCOL
from services.transfer.api.base import api, components, machine_principal, runtime
from services.transfer.handlers import push

ROWS = validate.Length(max=10_000)


class Rows(fields.List):
    """A list of rows taken as they came: ``List(Raw())`` without its pass over each row
    (2 % of a push of 1,000 rows), which returned every row but null as it was. A list
    with a null row, or what is not a list, goes through ``List`` itself, so its
    refusals are word for word those of ``List(Raw())``; the OpenAPI document too."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(fields.Raw(), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if type(value) is list and None not in value:
            return value
        return super()._deserialize(value, attr, data, **kwargs)


class BatchSchema(Schema):
    """Rows are checked one by one by the handler, so that a faulty row is answered by
    its number and field rather than refusing the whole batch."""
    courses = Rows(load_default=list, validate=ROWS)
    attendance = Rows(load_default=list, validate=ROWS)
    withdrawals = Rows(load_default=list, validate=ROWS)


class RowErrorSchema(Schema):
    part = fields.String()
    row = fields.Integer()
    field = fields.String()
    code = fields.String()
    message_zh = fields.String()
    message_en = fields.String()


class DuplicateSchema(Schema):
    part = fields.String()
    row = fields.Integer()
    kept_source = fields.String()
    kept_course_key = fields.String()


class BatchAnswerSchema(Schema):
    source = fields.String()
    trial = fields.Boolean()
    counts = fields.Dict(keys=fields.String(), values=fields.Dict(
        keys=fields.String(), values=fields.Integer()))
    errors = fields.List(fields.Nested(RowErrorSchema))
    duplicates = fields.List(fields.Nested(DuplicateSchema))


@api.route("/sources/<code>/batches", "POST", allow=PROTOCOL, body=BatchSchema,
           response=BatchAnswerSchema,
           summary="A batch of courses, attendance and withdrawals (format v1) from the "
                   "source's own machine token: a count per outcome and an error per row")
def push_batch(principal, code, body):
    caller = machine_principal()
    parts = components()
    return push.push(parts.unit_of_work(), runtime().clock, parts.directory, caller, code,
                     body, parts.freeze_date)
