"""Events the transfer service publishes (R-TRF-*, R-CRS-11): the training records that
outside systems report, as each stands now. A record is keyed by its ``source`` (the
reporting system's code) and the source's own ``record_key``; a change or a withdrawal
carries a higher ``version`` of that record, so a consumer keeps the newest whatever the
order of arrival (courses folds them into each teacher's transcript)."""
from marshmallow import Schema, fields, validate

from contracts.events.common import CODE, VERSION

TAG = validate.Length(min=1, max=64)


class RecordV1(Schema):
    """transfer → courses, stats: a teacher's training record from an outside system, added
    or changed (the whole record as it now stands). ``hours`` has one decimal; the dates
    are Taipei days; ``tags`` are the platform's policy tags the source reported."""
    source = fields.String(required=True, validate=CODE)
    record_key = fields.String(required=True, validate=validate.Length(min=1, max=100))
    account_id = fields.UUID(required=True)
    hours = fields.Float(required=True, validate=validate.Range(min=0, max=9999))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    organiser = fields.String(required=True, validate=validate.Length(min=1, max=200))
    tags = fields.List(fields.String(validate=TAG), load_default=list)
    version = fields.Integer(**VERSION)


class RecordWithdrawnV1(Schema):
    """transfer → courses, stats: the source withdrew a record; it counts no more."""
    source = fields.String(required=True, validate=CODE)
    record_key = fields.String(required=True, validate=validate.Length(min=1, max=100))
    account_id = fields.UUID(required=True)
    version = fields.Integer(**VERSION)


RECORD_ADDED = "transfer.record.added.v1"
RECORD_CHANGED = "transfer.record.changed.v1"
RECORD_WITHDRAWN = "transfer.record.withdrawn.v1"

SCHEMAS: dict[str, type[Schema]] = {
    RECORD_ADDED: RecordV1,
    RECORD_CHANGED: RecordV1,
    RECORD_WITHDRAWN: RecordWithdrawnV1,
}
