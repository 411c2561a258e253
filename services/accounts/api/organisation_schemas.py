"""Schemas of the routes for authorities, units, jurisdiction and routing."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from contracts.review_routing import REVIEWERS
from contracts.vocabulary import UNIT_TYPES
from servicekit.schemas import PageSchema
from services.accounts.api.base import AUTHORITY, CODE, COUNTY


class AuthoritySchema(Schema):
    code = fields.String()
    name = fields.String()
    county_code = fields.String(allow_none=True)
    kind = fields.String()
    position = fields.Integer()
    version = fields.Integer()


class UnitSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    unit_type = fields.String(required=True, validate=validate.OneOf(UNIT_TYPES))
    authority_code = fields.String(required=True, validate=AUTHORITY)
    county_code = fields.String(load_default=None, allow_none=True, validate=COUNTY)
    jurisdiction_from = fields.Date(load_default=None, load_only=True)
    reference = fields.String(load_default="registration", load_only=True,
                              validate=validate.Length(min=1, max=100))
    version = fields.Integer(dump_only=True)


class ListedUnitSchema(UnitSchema):
    """A unit in a list ``on`` a day: before its first jurisdiction period it had no
    supervising authority yet."""
    authority_code = fields.String(allow_none=True)


class UnitChangeSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    unit_type = fields.String(validate=validate.OneOf(UNIT_TYPES))
    county_code = fields.String(allow_none=True, validate=COUNTY)


class UnitQuerySchema(PageSchema):
    authority_code = fields.String(validate=AUTHORITY)
    county_code = fields.String(validate=COUNTY)
    unit_type = fields.String(validate=validate.OneOf(UNIT_TYPES))
    on = fields.Date()


class PeriodSchema(Schema):
    authority_code = fields.String()
    valid_from = fields.Date()
    valid_until = fields.Date(allow_none=True)
    reference = fields.String()


class OnQuerySchema(Schema):
    on = fields.Date()


class ReviewerSchema(Schema):
    unit_code = fields.String()
    on = fields.Date()
    supervising_authority_code = fields.String()
    reviewing_authority_code = fields.String()
    rule_id = fields.String(allow_none=True)
    reviewer = fields.String()


class TransferSchema(Schema):
    unit_codes = fields.List(fields.String(validate=CODE), required=True,
                             validate=validate.Length(min=1, max=1000))
    to_authority_code = fields.String(required=True, validate=AUTHORITY)
    effective_from = fields.Date(required=True)
    reference = fields.String(required=True, validate=validate.Length(min=1, max=100))


class TransferredSchema(Schema):
    unit_code = fields.String()
    from_authority_code = fields.String()
    to_authority_code = fields.String()
    effective_from = fields.Date()
    reference = fields.String()
    version = fields.Integer()


class RoutingRuleSchema(Schema):
    rule_id = fields.String(dump_only=True)
    unit_type = fields.String(required=True, validate=validate.OneOf(UNIT_TYPES))
    reviewer = fields.String(required=True, validate=validate.OneOf(REVIEWERS))
    fixed_authority_code = fields.String(load_default=None, allow_none=True, validate=AUTHORITY)
    effective_from = fields.Date(required=True)


class RoutingQuerySchema(Schema):
    unit_type = fields.String(validate=validate.OneOf(UNIT_TYPES))
