"""Routes for teachers: one by one, in batches and files, lookup by national ID, and the
audited export. No answer but the export ever carries a national ID."""
from __future__ import annotations

import json

from flask import Response, request

from servicekit.api import PROTOCOL, roles
from servicekit.errors import Invalid
from services.accounts.api import teacher_schemas as s
from services.accounts.api.base import (
    MANAGERS,
    api,
    clock,
    path_uuid,
    runtime,
    service_principal,
    vault,
    work,
)
from services.accounts.handlers import (
    import_history,
    national_ids,
    teacher_import,
    teachers,
    transfers,
)

IMPORTERS = roles("reviewer", "operator", "admin")


@api.route("/teachers", "POST", allow=IMPORTERS, body=s.TeacherCreateSchema,
           response=s.TeacherSchema, status=201, summary="Create one teacher")
def create_teacher(principal, body):
    return teachers.create_teacher(work(), clock(), vault(), principal, body)


@api.route("/teachers/<account_id>", "GET",
           allow=roles("teacher", "business", "reviewer", "operator", "admin"),
           response=s.TeacherSchema,
           summary="A teacher, with past schools (themself, their school, its authority)")
def get_teacher(principal, account_id):
    return teachers.get_teacher(work(), clock(), principal, path_uuid(account_id, "teacher"))


@api.route("/teachers/<account_id>", "PATCH", allow=IMPORTERS, body=s.TeacherChangeSchema,
           response=s.TeacherSchema, summary="Rename, change e-mail, or move to another school")
def update_teacher(principal, account_id, body):
    return teachers.update_teacher(work(), clock(), principal, path_uuid(account_id, "teacher"),
                                   body)


@api.route("/teachers/<account_id>/disabling", "POST", allow=roles("reviewer", "operator"),
           response=s.TeacherSchema,
           summary="Disable a teacher (the school's authority, or the network); sessions end")
def disable_teacher(principal, account_id):
    return teachers.set_teacher_enabled(work(), clock(), principal,
                                        path_uuid(account_id, "teacher"), enabled=False)


@api.route("/teachers/<account_id>/enabling", "POST", allow=roles("reviewer", "operator"),
           response=s.TeacherSchema, summary="Enable a disabled teacher again")
def enable_teacher(principal, account_id):
    return teachers.set_teacher_enabled(work(), clock(), principal,
                                        path_uuid(account_id, "teacher"), enabled=True)


@api.route("/teachers/<account_id>/transfers", "POST", allow=roles("reviewer", "operator"),
           body=s.TeacherTransferRequestSchema, response=s.TeacherTransferSchema, status=201,
           summary="Transfer a teacher to a school under another authority (the teacher's "
                   "authority today, or the network); recorded with its reason")
def transfer_teacher(principal, account_id, body):
    return transfers.transfer_teacher(work(), clock(), principal,
                                      path_uuid(account_id, "teacher"), body["school_code"],
                                      body["since"], body["reason"])


@api.route("/teachers/<account_id>/transfers", "GET",
           allow=roles("teacher", "business", "reviewer", "operator", "admin"), many=True,
           response=s.TeacherTransferSchema,
           summary="A teacher's moves between authorities (whoever may see the teacher)")
def teacher_transfers(principal, account_id):
    return transfers.teacher_transfers(work(), clock(), principal,
                                       path_uuid(account_id, "teacher"))


@api.route("/teachers/lookups", "POST", allow=roles("business", "reviewer", "operator", "admin"),
           body=s.LookupSchema, many=True, response=s.LookupAnswerSchema,
           summary="Find teachers by national ID (one answer per ID, in order; outside the "
                   "caller's scope only found or not; audited; a daily quota per account)")
def lookup(principal, body):
    return national_ids.lookup(work(), clock(), vault(),
                               national_ids.lookups_per_day(runtime().settings), principal,
                               body["national_ids"])


@api.route("/teachers/service-lookups", "POST", allow=PROTOCOL, body=s.LookupSchema,
           many=True, response=s.ServiceLookupAnswerSchema,
           summary="Account ids by national ID for a platform service's own token (scope "
                   "accounts.teachers.lookup): one answer per ID, in order; audited")
def service_lookup(principal, body):
    caller = service_principal(national_ids.SERVICE_LOOKUP_SCOPE)
    return national_ids.service_lookup(work(), clock(), vault(), caller,
                                       body["national_ids"])


@api.route("/teachers/batches", "POST", allow=IMPORTERS, body=s.BatchSchema,
           response=s.ImportReportSchema,
           summary="A county's teacher updates as JSON: a report per row")
def import_batch(principal, body):
    report = teacher_import.import_rows(work(), clock(), vault(), principal,
                                        enumerate(body["teachers"], start=1),
                                        source=teacher_import.BATCH)
    return _report(report)


@api.route("/teachers/imports", "POST", allow=IMPORTERS, response=s.ImportReportSchema,
           summary="A county's teacher file (.csv or .xlsx, multipart field 'file', at most "
                   "50 MB): a report per row")
def import_file(principal):
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Invalid("file-required", "A file is required",
                      "send the teacher file as the multipart field 'file'")
    data = upload.stream.read(teacher_import.MAX_UPLOAD_BYTES + 1)
    return _report(teacher_import.import_file(work(), clock(), vault(), principal,
                                              upload.filename, data))


@api.route("/teacher-imports", "GET", allow=IMPORTERS, query=s.PageSchema, many=True,
           response=s.ImportSummarySchema,
           summary="Teacher files and batches received, newest first (a reviewer: its authority's)")
def list_imports(principal, query):
    return import_history.list_imports(work(), principal, **query)


@api.route("/teacher-imports/<import_id>", "GET", allow=IMPORTERS, response=s.ImportSchema,
           summary="One import, with its report per row")
def get_import(principal, import_id):
    return Response(import_history.import_report(work(), principal,
                                                 path_uuid(import_id, "teacher import")),
                    mimetype="application/json")


@api.route("/units/<code>/teachers", "GET",
           allow=roles("business", "reviewer", "operator", "admin"), query=s.PageSchema,
           many=True, response=s.TeacherSchema,
           summary="A school's current teachers, by login (its business accounts, its "
                   "authority's reviewers)")
def school_teachers(principal, code, query):
    return teachers.school_teachers(work(), clock(), principal, code, **query)


@api.route("/teachers/national-id-exports", "POST", allow=roles("operator"),
           body=s.ExportRequestSchema, response=s.ExportSchema, status=201,
           summary="Export teachers' national IDs (operators only; every one audited)")
def export_national_ids(principal, body):
    exported = national_ids.export_national_ids(work(), clock(), vault(), principal,
                                                body["account_ids"], body["reason"])
    response = Response(json.dumps(s.ExportSchema().dump(exported), ensure_ascii=False),
                        status=201, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


@api.route("/national-id-exports", "GET", allow=MANAGERS, query=s.PageSchema, many=True,
           response=s.ExportAuditSchema, summary="The audit of national-ID exports")
def export_audit(principal, query):
    return national_ids.export_audit(work(), **query)


def _report(report: teacher_import.ImportReport) -> Response:
    """Serialised by hand: a 100,000-row report through marshmallow takes seconds."""
    head = json.dumps({"import_id": str(report.import_id), "counts": report.counts},
                      separators=(",", ":")).encode()
    return Response(head[:-1] + b',"rows":' + report.rows_json() + b"}",
                    mimetype="application/json")
