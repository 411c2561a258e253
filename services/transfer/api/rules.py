"""Deadlines, audits and duplicates (R-TRF-5, R-TRF-6, R-TRF-11): operators see every
source, a unit's business accounts their unit's; a source states its own monthly counts
with its machine token or through its owner unit's business accounts (or an operator);
the linked duplicates are the operators'."""
from __future__ import annotations

from decimal import Decimal

from flask import request
from marshmallow import Schema, ValidationError, fields, validate, validates

from servicekit.api import PROTOCOL, roles
from servicekit.errors import Invalid
from services.transfer.api.base import (
    api,
    components,
    runtime,
    source_or_platform_principal,
)
from services.transfer.domain.schedule import parse_month
from services.transfer.handlers import rules
from services.transfer.handlers.scope import check_states_role

STAFF = roles("operator", "admin")
READERS = roles("operator", "admin", "business")
MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
COUNT = validate.Range(min=0, max=2_000_000_000)  # within the column's 32 bits


def _work():
    return components().unit_of_work()


def _month(text: str):
    try:
        return parse_month(text)
    except ValueError:
        raise Invalid("invalid-month", "The month is not valid",
                      "a month is YYYY-MM") from None


class DeadlinesQuery(Schema):
    month = fields.String(load_default=None, validate=validate.Regexp(MONTH))


class DeadlineSchema(Schema):
    source = fields.String()
    name = fields.String()
    owner_unit = fields.String()
    mode = fields.String()
    month = fields.String()
    status = fields.String()
    due = fields.Date(allow_none=True)
    reported_on = fields.Date(allow_none=True)
    longest_silence_days = fields.Integer(allow_none=True)
    silence_days_allowed = fields.Integer(allow_none=True)


@api.route("/deadlines", "GET", allow=READERS, query=DeadlinesQuery, response=DeadlineSchema,
           many=True, summary="Each production source's report of a month (default the "
                              "previous one): on time, late, missing or pending (R-TRF-5/6)")
def list_deadlines(principal, query):
    month = _month(query["month"]) if query["month"] else rules.previous_month(runtime().clock)
    parts = components()
    return rules.deadlines(_work(), runtime().clock, principal, month, parts.silence_days)


class CountsRequest(Schema):
    courses = fields.Integer(required=True, strict=True, validate=COUNT)
    attendance = fields.Integer(required=True, strict=True, validate=COUNT)
    hours = fields.Decimal(required=True, places=None, validate=validate.Range(min=0))

    @validates("hours")
    def _one_decimal(self, value: Decimal, **_kwargs: object) -> None:
        if value >= Decimal(10**10) or value != value.quantize(Decimal("0.1")):
            raise ValidationError("a decimal with at most one decimal place, below 10^10")


class CountsSchema(Schema):
    source = fields.String()
    month = fields.String()
    courses = fields.Integer()
    attendance = fields.Integer()
    hours = fields.Decimal(as_string=True)
    reported_by = fields.String()


@api.route("/sources/<code>/reported-counts/<month>", "PUT", allow=PROTOCOL,
           response=CountsSchema,
           summary="The source's own counts of a month, body {courses, attendance, hours}, "
                   "with its machine token, or by its owner unit's business accounts or "
                   "the network's staff; audits compare them (R-TRF-11)")
def put_reported_counts(principal, code, month):
    caller = source_or_platform_principal()
    # Either kind of token is read here, so the role is asked before the body: another
    # role is refused (403) whatever it sent.
    check_states_role(caller)
    body = CountsRequest().load(request.get_json(silent=True) or {})
    return rules.report_counts(_work(), runtime().clock, caller, code, _month(month), body)


class AuditLine(Schema):
    month = fields.String()
    reported = fields.Dict(allow_none=True)
    held = fields.Dict()
    differences = fields.List(fields.String())


class AuditSchema(Schema):
    audit_id = fields.String()
    source = fields.String()
    kind = fields.String()
    first_month = fields.String()
    last_month = fields.String()
    lines = fields.List(fields.Nested(AuditLine))
    differences = fields.Integer()
    opened_at = fields.AwareDateTime()


@api.route("/sources/<code>/audits", "GET", allow=READERS, response=AuditSchema, many=True,
           summary="A source's audits, newest period first (R-TRF-11)")
def list_audits(principal, code):
    return rules.audits_of(_work(), principal, code)


@api.route("/sources/<code>/audits/<audit_id>", "GET", allow=READERS, response=AuditSchema,
           summary="An audit: per month the source's counts, transfer's, and what differs")
def get_audit(principal, code, audit_id):
    return rules.audit(_work(), principal, code, audit_id)


class DuplicatesQuery(Schema):
    source = fields.String(load_default=None, validate=validate.Length(min=2, max=32))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    after_source = fields.String(load_default=None, validate=validate.Length(max=32))
    after_course_key = fields.String(load_default=None, validate=validate.Length(max=60))
    after_account_id = fields.String(load_default=None, validate=validate.Length(max=36))


class DuplicateRecordSchema(Schema):
    source = fields.String()
    course_key = fields.String()
    account_id = fields.String()
    kept_source = fields.String()
    kept_course_key = fields.String()
    school_code = fields.String()
    hours = fields.Decimal(as_string=True)
    completed_on = fields.Date()
    found_at = fields.AwareDateTime()


@api.route("/duplicates", "GET", allow=STAFF, query=DuplicatesQuery,
           response=DuplicateRecordSchema, many=True,
           summary="Linked duplicates: a teacher's record in a course another source "
                   "reported first (R-TRF-11), in key order; page with after_*")
def list_duplicates(principal, query):
    after = (query["after_source"], query["after_course_key"], query["after_account_id"])
    if any(after) and not all(after):
        raise Invalid("invalid-page", "The page is not valid",
                      "after_source, after_course_key and after_account_id go together")
    return rules.duplicates(_work(), query["source"], query["limit"],
                            after if all(after) else None)
