"""Schemas of the routes for data-update campaigns."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from contracts.vocabulary import AUTHORITY_CODES
from servicekit.schemas import bounded_moment
from services.accounts.api.base import AUTHORITY, CODE


class CampaignOpenSchema(Schema):
    campaign_id = fields.String(load_default=None, validate=CODE)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    deadline = bounded_moment(required=True)
    reference = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(max=100))
    authority_codes = fields.List(fields.String(validate=AUTHORITY), required=True,
                                  validate=validate.Length(min=1, max=len(AUTHORITY_CODES)))


class ConfirmationSchema(Schema):
    authority_code = fields.String()
    confirmed = fields.Boolean()
    confirmed_at = fields.AwareDateTime(allow_none=True)
    confirmed_by = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


class CampaignSchema(Schema):
    campaign_id = fields.String()
    title = fields.String()
    deadline = fields.AwareDateTime()
    reference = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    authorities = fields.List(fields.Nested(ConfirmationSchema))


class ConfirmSchema(Schema):
    authority_code = fields.String(required=True, validate=AUTHORITY)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class ReportLineSchema(Schema):
    authority_code = fields.String()
    authority_name = fields.String()
    confirmed = fields.Boolean()
    mark = fields.String()
    confirmed_at = fields.AwareDateTime(allow_none=True)
    late = fields.Boolean()
    overdue = fields.Boolean()


class CampaignReportSchema(Schema):
    campaign_id = fields.String()
    title = fields.String()
    deadline = fields.AwareDateTime()
    reference = fields.String(allow_none=True)
    confirmed = fields.Integer()
    asked = fields.Integer()
    lines = fields.List(fields.Nested(ReportLineSchema))
