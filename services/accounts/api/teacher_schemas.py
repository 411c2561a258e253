"""Schemas of the routes for teachers, imports, lookups and the national-ID export."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from servicekit.schemas import PageSchema  # noqa: F401 (the list routes' query)
from services.accounts.api.base import CODE


class TeacherCreateSchema(Schema):
    national_id = fields.String(required=True, load_only=True,
                                validate=validate.Length(min=1, max=20))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    school_code = fields.String(required=True, validate=CODE)
    email = fields.String(load_default=None, allow_none=True)
    since = fields.Date(load_default=None, allow_none=True)


class TeacherChangeSchema(Schema):
    display_name = fields.String(validate=validate.Length(min=1, max=100))
    email = fields.Email(allow_none=True)
    school_code = fields.String(validate=CODE)
    since = fields.Date(allow_none=True)


class PastSchoolSchema(Schema):
    unit_code = fields.String()
    since = fields.Date(allow_none=True)
    until = fields.Date()


class TeacherSchema(Schema):
    account_id = fields.UUID()
    login = fields.String()
    status = fields.String()
    display_name = fields.String()
    email = fields.String(allow_none=True)
    unit_code = fields.String(allow_none=True)
    county_code = fields.String(allow_none=True)
    school_since = fields.Date(allow_none=True)
    version = fields.Integer()
    past_schools = fields.List(fields.Nested(PastSchoolSchema))


class TeacherTransferRequestSchema(Schema):
    school_code = fields.String(required=True, validate=CODE,
                                metadata={"description": "a school under another authority"})
    since = fields.Date(load_default=None, allow_none=True,
                        metadata={"description": "from when (default today)"})
    reason = fields.String(required=True, validate=validate.Length(min=10, max=500))


class TeacherTransferSchema(Schema):
    transfer_id = fields.UUID()
    account_id = fields.UUID()
    from_unit_code = fields.String(allow_none=True)
    from_authority_code = fields.String(allow_none=True)
    to_unit_code = fields.String()
    to_authority_code = fields.String(allow_none=True)
    since = fields.Date()
    via = fields.String(metadata={"description": "transfer; change or import (by the network's "
                                                 "staff); county-profile (a county's sign-on)"})
    import_id = fields.UUID(allow_none=True)
    reason = fields.String(allow_none=True)
    transferred_by = fields.String()
    transferred_at = fields.AwareDateTime()


class LookupSchema(Schema):
    national_ids = fields.List(fields.String(validate=validate.Length(max=20)), required=True,
                               validate=validate.Length(min=1, max=1000))


class LookupAnswerSchema(Schema):
    """Outside the caller's scope a teacher found is answered ``found`` alone."""
    found = fields.Boolean()
    account_id = fields.String()
    login = fields.String()
    display_name = fields.String()
    unit_code = fields.String()
    problem = fields.String()


class ServiceLookupAnswerSchema(Schema):
    """A platform service's lookup: the account, whoever's teacher it is; nothing more."""
    found = fields.Boolean()
    account_id = fields.String()
    problem = fields.String()


class BatchSchema(Schema):
    teachers = fields.List(fields.Dict(keys=fields.String()), required=True,
                           validate=validate.Length(min=1, max=200_000))


class RowOutcomeSchema(Schema):
    row = fields.Integer()
    status = fields.String()
    account_id = fields.String(allow_none=True)
    login = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    detail = fields.String(allow_none=True)


class ImportReportSchema(Schema):
    import_id = fields.UUID()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    rows = fields.List(fields.Nested(RowOutcomeSchema))


class ImportSummarySchema(Schema):
    import_id = fields.UUID()
    source = fields.String(metadata={"description": "file or batch"})
    filename = fields.String(allow_none=True)
    content_sha256 = fields.String(allow_none=True)
    imported_by = fields.String()
    authority_code = fields.String(allow_none=True,
                                   metadata={"description": "the reviewer's; none: the network"})
    imported_at = fields.String(metadata={"format": "date-time"})
    outcome = fields.String(metadata={"description": "applied, or refused (nothing changed)"})
    problem = fields.String(allow_none=True, metadata={"description": "why it was refused"})
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    report_kept = fields.Boolean(metadata={"description": "false: refused, or the rows are "
                                                          "past their retention"})


class ImportSchema(ImportSummarySchema):
    rows = fields.List(fields.Nested(RowOutcomeSchema))


class ExportRequestSchema(Schema):
    account_ids = fields.List(fields.UUID(), required=True,
                              validate=validate.Length(min=1, max=1000))
    reason = fields.String(required=True, validate=validate.Length(min=10, max=500))


class ExportedTeacherSchema(Schema):
    account_id = fields.UUID()
    login = fields.String()
    display_name = fields.String()
    national_id = fields.String()


class ExportSchema(Schema):
    export_id = fields.UUID()
    exported_at = fields.AwareDateTime()
    teachers = fields.List(fields.Nested(ExportedTeacherSchema))


class ExportAuditSchema(Schema):
    export_id = fields.UUID()
    account_id = fields.UUID()
    exported_by = fields.String()
    exported_at = fields.AwareDateTime()
    reason = fields.String()
