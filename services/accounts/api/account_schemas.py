"""Schemas of the routes for business and staff accounts, roles and one's own account."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from contracts.vocabulary import ROLES
from services.accounts.api.base import AUTHORITY, CODE


class AccountSchema(Schema):
    account_id = fields.UUID()
    login = fields.String()
    kind = fields.String()
    status = fields.String()
    display_name = fields.String()
    email = fields.String(allow_none=True)
    unit_code = fields.String(allow_none=True)
    authority_code = fields.String(allow_none=True)
    county_code = fields.String(allow_none=True)
    version = fields.Integer()
    created_at = fields.AwareDateTime(allow_none=True)
    approved_at = fields.AwareDateTime(allow_none=True)
    last_sign_in_at = fields.AwareDateTime(allow_none=True)


class ApplicationSchema(Schema):
    unit_code = fields.String(required=True, validate=CODE)
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    email = fields.Email(required=True)


class BusinessQuerySchema(Schema):
    unit_code = fields.String(validate=CODE)
    status = fields.String(validate=validate.OneOf(("pending", "enabled", "disabled")))


class DormantQuerySchema(Schema):
    days = fields.Integer(validate=validate.Range(min=1, max=3650))


class DormantAccountSchema(Schema):
    account_id = fields.UUID()
    login = fields.String()
    display_name = fields.String()
    unit_code = fields.String()
    last_sign_in_at = fields.AwareDateTime(allow_none=True)
    approved_at = fields.AwareDateTime(allow_none=True)
    days_without_sign_in = fields.Integer()


class DormantReportSchema(Schema):
    days = fields.Integer()
    cutoff = fields.AwareDateTime()
    generated_at = fields.AwareDateTime()
    accounts = fields.List(fields.Nested(DormantAccountSchema))


class StaffSchema(Schema):
    login = fields.String(required=True, validate=validate.Length(min=3, max=64))
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    email = fields.Email(load_default=None, allow_none=True)
    role = fields.String(required=True, validate=validate.OneOf(("reviewer", "operator",
                                                                 "viewer", "admin")))
    authority_code = fields.String(load_default=None, allow_none=True, validate=AUTHORITY)


class GrantRequestSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    unit_code = fields.String(load_default=None, allow_none=True, validate=CODE)
    authority_code = fields.String(load_default=None, allow_none=True, validate=AUTHORITY)


class GrantSchema(Schema):
    grant_id = fields.UUID()
    account_id = fields.UUID()
    role = fields.String()
    unit_code = fields.String(allow_none=True)
    authority_code = fields.String(allow_none=True)
    granted_at = fields.AwareDateTime()
    granted_by = fields.String()
    revoked_at = fields.AwareDateTime(allow_none=True)
    revoked_by = fields.String(allow_none=True)
    active = fields.Boolean()
    version = fields.Integer()
