"""Routes of the digital-material and distance course review (R-CRS-14): teacher-education
universities submit and resubmit, the network's operators assign three reviewers, the
assigned reviewers score, and the passed cases are published."""
from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from flask import Response, request
from marshmallow import Schema, ValidationError, fields, validate

from servicekit.api import PUBLIC, roles
from servicekit.tokens import Principal
from services.courses.api import api
from services.courses.domain.materials import KINDS, REVIEWER_ROLES, STATUSES, case_not_found
from services.courses.handlers import materials
from services.courses.routes.base import components, path_id, runtime

URL = validate.And(validate.URL(schemes={"https", "http"}, require_tld=True),
                   validate.Length(max=500))


def _hours(value: Decimal) -> None:
    if not Decimal(0) < value <= Decimal("999.9") or value != round(value, 1):
        raise ValidationError("more than 0 and at most 999.9, one decimal")


class CaseFieldsSchema(Schema):
    """What a university submits: the course's title, its kind, what it is, its hours, its
    subject area, and links to the material or the distance course (its platform)."""
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    description = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    hours = fields.Decimal(required=True, places=None, validate=_hours)
    subject_area = fields.String(required=True, validate=validate.Length(min=1, max=100))
    links = fields.List(fields.String(validate=URL), load_default=list,
                        validate=validate.Length(max=10))


class ResubmissionSchema(CaseFieldsSchema):
    """The fields changed for the new round (the others stay as they were)."""
    def load(self, data: Any, *, many: bool | None = None, partial: Any = None,
             unknown: Any = None) -> Any:
        return super().load(data, many=many, partial=True, unknown=unknown)


class ReviewersSchema(Schema):
    """The account id of each role's reviewer (accounts holding the reviewer role)."""
    subject = fields.UUID(required=True)
    digital_learning = fields.UUID(required=True)
    serving_teacher = fields.UUID(required=True)


class ScoreSchema(Schema):
    # Bounded here only against absurd numbers; 0–100 is the rule's own check, answered
    # as score-out-of-range rather than as a malformed body.
    score = fields.Integer(required=True, strict=True,
                           validate=validate.Range(min=-2_147_483_648, max=2_147_483_647),
                           metadata={"description": "0–100 (score-out-of-range beyond)"})
    comment = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class ListQuerySchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class PassedQuerySchema(Schema):
    kind = fields.String(load_default=None, validate=validate.OneOf(KINDS))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class ReviewOutSchema(Schema):
    role = fields.String()
    role_label = fields.String()
    reviewer_id = fields.String(allow_none=True)
    score = fields.Integer(allow_none=True)
    comment = fields.String(allow_none=True)
    scored_at = fields.AwareDateTime(allow_none=True)


class RoundOutSchema(Schema):
    round = fields.Integer()
    submitted_at = fields.AwareDateTime()
    title = fields.String()
    result = fields.String(allow_none=True)
    mean = fields.Float(allow_none=True)
    decided_on = fields.Date(allow_none=True)
    assigned = fields.List(fields.String())
    scored = fields.List(fields.String())
    reviews = fields.List(fields.Nested(ReviewOutSchema))


class CaseAttachmentSchema(Schema):
    id = fields.String()
    filename = fields.String()
    media_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    uploaded_at = fields.AwareDateTime()


class CaseSchema(Schema):
    id = fields.String()
    unit_code = fields.String()
    status = fields.String()
    round = fields.Integer()
    title = fields.String()
    kind = fields.String()
    description = fields.String()
    hours = fields.Float()
    subject_area = fields.String()
    links = fields.List(fields.String())
    submitted_at = fields.AwareDateTime()
    attachments = fields.List(fields.Nested(CaseAttachmentSchema))
    rounds = fields.List(fields.Nested(RoundOutSchema))


class CaseSummarySchema(Schema):
    id = fields.String()
    unit_code = fields.String()
    unit_name = fields.String(allow_none=True)
    status = fields.String()
    round = fields.Integer()
    title = fields.String()
    kind = fields.String()
    hours = fields.Float()
    subject_area = fields.String()
    submitted_at = fields.AwareDateTime()
    decided_on = fields.Date(allow_none=True)


class CasePageSchema(Schema):
    items = fields.List(fields.Nested(CaseSummarySchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class PublishedSchema(Schema):
    id = fields.String()
    unit_code = fields.String()
    unit_name = fields.String(allow_none=True)
    title = fields.String()
    kind = fields.String()
    hours = fields.Float()
    subject_area = fields.String()
    round = fields.Integer()
    decided_on = fields.Date()


class PublishedPageSchema(Schema):
    items = fields.List(fields.Nested(PublishedSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


def _case_id(value: str) -> str:
    """Case ids are UUIDs; anything else is no such case (after the token is checked)."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise case_not_found(value) from None


@api.route("/materials", "POST", allow=roles("business"), body=CaseFieldsSchema,
           response=CaseSchema, status=201,
           summary="Submit a digital-material or distance course for review (a business "
                   "account of a teacher-education university)")
def submit_material(principal: Principal, body: dict[str, Any]) -> Any:
    return materials.submit(components().materials(), runtime().clock, principal, body)


@api.route("/materials", "GET", allow=roles("business", "reviewer", "operator", "admin"),
           query=ListQuerySchema, response=CasePageSchema,
           summary="Review cases: a university its own, a reviewer those assigned to them, "
                   "operators every one")
def list_materials(principal: Principal, query: dict[str, Any]) -> Any:
    return materials.list_cases(components().materials(), principal, query["status"],
                                query["page"], query["per_page"])


@api.route("/materials/passed", "GET", allow=PUBLIC, query=PassedQuerySchema,
           response=PublishedPageSchema,
           summary="The published list of digital-material and distance courses that passed")
def passed_materials(principal: Principal | None, query: dict[str, Any]) -> Any:
    return materials.passed(components().materials(), query["kind"], query["page"],
                            query["per_page"])


@api.route("/materials/<case_id>", "GET",
           allow=roles("business", "reviewer", "operator", "admin"), response=CaseSchema,
           summary="A review case, with each round's reviews as the caller may see them")
def get_material(principal: Principal, case_id: str) -> Any:
    return materials.get(components().materials(), principal, _case_id(case_id))


@api.route("/materials/<case_id>/reviewers", "PUT", allow=roles("operator", "admin"),
           body=ReviewersSchema, response=CaseSchema,
           summary="Assign the current round's three reviewers (subject, digital_learning, "
                   "serving_teacher)")
def assign_reviewers(principal: Principal, case_id: str, body: dict[str, Any]) -> Any:
    chosen = {role: str(body[role]) for role in REVIEWER_ROLES}
    return materials.assign(components().materials(), runtime().clock, principal,
                            _case_id(case_id), chosen)


@api.route("/materials/<case_id>/score", "PUT", allow=roles("reviewer"), body=ScoreSchema,
           response=CaseSchema,
           summary="An assigned reviewer's score (0–100) and comment on the current round")
def score_material(principal: Principal, case_id: str, body: dict[str, Any]) -> Any:
    return materials.score(components().materials(), runtime().clock, principal,
                           _case_id(case_id), body["score"], body["comment"])


@api.route("/materials/<case_id>/resubmission", "POST", allow=roles("business"),
           body=ResubmissionSchema, response=CaseSchema,
           summary="Resubmit a case sent back for revision: a new round")
def resubmit_material(principal: Principal, case_id: str, body: dict[str, Any]) -> Any:
    return materials.resubmit(components().materials(), runtime().clock, principal,
                              _case_id(case_id), body)


@api.route("/materials/<case_id>/attachments", "POST", allow=roles("business"),
           response=CaseAttachmentSchema, status=201,
           summary="Attach a file to a case (multipart: `file`)")
def upload_material_file(principal: Principal, case_id: str) -> Any:
    upload = request.files.get("file")
    parts = components()
    try:
        return materials.upload(parts.materials(), runtime().clock, parts.files, parts.config,
                                principal, _case_id(case_id),
                                (upload.filename or "") if upload else "",
                                upload.stream if upload else None)
    finally:
        if upload is not None:
            upload.close()


@api.route("/materials/<case_id>/attachments/<attachment_id>", "GET",
           allow=roles("business", "reviewer", "operator", "admin"),
           summary="Download a file of a case the caller may see")
def download_material_file(principal: Principal, case_id: str, attachment_id: str) -> Any:
    parts = components()
    found, content = materials.download(parts.materials(), parts.files, principal,
                                        _case_id(case_id), path_id(attachment_id, "attachment"))
    response = Response(content, mimetype=found.media_type)
    response.headers["Content-Disposition"] = "attachment; filename*=UTF-8''" + quote(found.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
