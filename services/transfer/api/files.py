"""Monthly files (R-TRF-3): mappings (operators), a file tested without storing, a file
uploaded and processed in the background, its progress and its per-row report. The
owner unit's business accounts and the network's staff; another unit's source is 404."""
from __future__ import annotations

from dataclasses import asdict

from flask import Response, request
from marshmallow import Schema, fields, validate

from servicekit.api import roles
from servicekit.errors import Invalid, NotFound
from services.transfer.api.base import api, components, runtime
from services.transfer.domain.mapping import FIELDS
from services.transfer.handlers import uploads

STAFF = roles("operator", "admin")
SENDERS = roles("operator", "admin", "business")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class MappingRequest(Schema):
    table = fields.String(required=True, validate=validate.Length(min=1, max=100))
    columns = fields.Dict(keys=fields.String(validate=validate.Length(max=64)),
                          values=fields.String(validate=validate.Length(min=1, max=100)),
                          load_default=dict)


class MappingSchema(Schema):
    part = fields.String()
    table = fields.String()
    columns = fields.Dict(keys=fields.String(), values=fields.String())


class UploadSchema(Schema):
    upload_id = fields.String()
    source = fields.String()
    filename = fields.String()
    status = fields.String()
    rows_total = fields.Integer()
    rows_done = fields.Integer()
    counts = fields.Dict(allow_none=True)
    error_count = fields.Integer()
    failure = fields.String(allow_none=True)
    created_by = fields.String()
    created_at = fields.AwareDateTime()
    finished_at = fields.AwareDateTime(allow_none=True)
    purged_at = fields.AwareDateTime(allow_none=True)


def _upload() -> tuple[str, bytes]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Invalid("file-required", "A file is required",
                      "send the file as the multipart field 'file'")
    limit = components().file_rules.max_bytes
    try:
        return upload.filename, upload.stream.read(limit + 1)
    finally:
        upload.close()  # a large upload is spooled to a temporary file


@api.route("/sources/<code>/mappings/<part>", "PUT", allow=STAFF, body=MappingRequest,
           response=MappingSchema,
           summary="Map a part of the format (courses, attendance, withdrawals) onto a "
                   "table of the source's files and its columns")
def put_mapping(principal, code, part, body):
    if part not in FIELDS:
        raise NotFound(f"no part {part}")
    return asdict(uploads.put_mapping(components().unit_of_work(), runtime().clock, principal,
                                      code, part, body["table"], body["columns"]))


@api.route("/sources/<code>/mappings", "GET", allow=SENDERS, response=MappingSchema,
           many=True, summary="The source's mapping")
def get_mappings(principal, code):
    return [asdict(m) for m in uploads.mappings(components().unit_of_work(), principal, code)]


@api.route("/sources/<code>/file-tests", "POST", allow=SENDERS,
           summary="Test a file (multipart 'file') against the mapping and every rule: the "
                   "answer it would get, nothing stored")
def test_file(principal, code):
    filename, data = _upload()
    parts = components()
    return uploads.test_file(parts.unit_of_work(), runtime().clock, parts.directory,
                             parts.file_rules, principal, code, filename, data)


@api.route("/sources/<code>/files", "POST", allow=SENDERS, response=UploadSchema,
           status=202,
           summary="Upload a monthly file (.xlsx, .xls, .xml, .mdb, .accdb; multipart "
                   "'file'): checked at once, processed in the background")
def upload_file(principal, code):
    filename, data = _upload()
    parts, clock = components(), runtime().clock
    started = uploads.start(parts.unit_of_work(), clock, parts.vault, parts.file_rules,
                            principal, code, filename, data, parts.read_at_upload)
    parts.in_background(lambda: uploads.process(
        parts.unit_of_work, clock, parts.directory, parts.vault, parts.file_rules,
        started["upload_id"], parts.read_at_upload))
    return started


class UploadListQuery(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


@api.route("/sources/<code>/files", "GET", allow=SENDERS, query=UploadListQuery,
           response=UploadSchema, many=True,
           summary="The source's latest uploads, newest first (limit 1–200, 50)")
def list_uploads(principal, code, query):
    return uploads.uploads_of(components().unit_of_work(), principal, code, query["limit"])


@api.route("/sources/<code>/files/<upload_id>", "GET", allow=SENDERS, response=UploadSchema,
           summary="An upload's progress and outcome")
def upload_status(principal, code, upload_id):
    return uploads.status(components().unit_of_work(), principal, code, upload_id)


@api.route("/sources/<code>/files/<upload_id>/report.xlsx", "GET", allow=SENDERS,
           summary="The per-row report: the file's rows with an error column, a sheet per "
                   "table")
def report_as_xlsx(principal, code, upload_id):
    data = uploads.report_file(components().unit_of_work(), components().vault, principal,
                               code, upload_id, "xlsx")
    return _download(data, XLSX, f"report-{upload_id}.xlsx")


@api.route("/sources/<code>/files/<upload_id>/report.csv", "GET", allow=SENDERS,
           summary="The per-row report of one table (?table=, the first by default) as CSV")
def report_as_csv(principal, code, upload_id):
    data = uploads.report_file(components().unit_of_work(), components().vault, principal,
                               code, upload_id, "csv", request.args.get("table"))
    return _download(data, "text/csv; charset=utf-8", f"report-{upload_id}.csv")


def _download(data: bytes, media: str, name: str) -> Response:
    return Response(data, headers={"Content-Type": media, "Cache-Control": "no-store",
                                   "Content-Disposition": f'attachment; filename="{name}"'})
