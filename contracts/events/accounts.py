"""Events the accounts service publishes: one constant per type, which producers record
and subscriptions bind by (the string is written here and nowhere else)."""
from marshmallow import Schema, fields, validate

from contracts.events.common import AUTHORITY, CODE, COUNTY, VERSION
from contracts.review_routing import REVIEWERS
from contracts.vocabulary import ACCOUNT_KINDS, ACCOUNT_STATUSES, ROLES, UNIT_TYPES


class AuthorityRegisteredV1(Schema):
    """accounts → all: a supervising authority (R-ORG-1)."""
    authority_code = fields.String(required=True, validate=AUTHORITY)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    county_code = fields.String(required=True, allow_none=True, validate=COUNTY)
    version = fields.Integer(**VERSION)


class UnitV1(Schema):
    """accounts → all: a unit as it is now (R-ORG-2). ``authority_code`` is the authority
    that reviews its courses today; history comes with jurisdiction_changed events."""
    unit_code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    unit_type = fields.String(required=True, validate=validate.OneOf(UNIT_TYPES))
    authority_code = fields.String(required=True, validate=AUTHORITY)
    county_code = fields.String(load_default=None, allow_none=True, validate=COUNTY)
    version = fields.Integer(**VERSION)


class UnitJurisdictionChangedV1(Schema):
    """accounts → all: from ``effective_from`` the unit belongs to another authority
    (R-ORG-3); before that date the old one still reviews."""
    unit_code = fields.String(required=True, validate=CODE)
    from_authority_code = fields.String(required=True, validate=AUTHORITY)
    to_authority_code = fields.String(required=True, validate=AUTHORITY)
    effective_from = fields.Date(required=True)
    transfer_reference = fields.String(required=True, validate=validate.Length(min=1, max=100))
    version = fields.Integer(**VERSION)


class ReviewRoutingChangedV1(Schema):
    """accounts → courses: from ``effective_from``, courses of units of ``unit_type`` are
    reviewed by ``reviewer`` — the unit's own supervising authority, the county where
    the unit is, or a fixed authority (R-ORG-4)."""
    rule_id = fields.String(required=True, validate=CODE)
    unit_type = fields.String(required=True, validate=validate.OneOf(UNIT_TYPES))
    reviewer = fields.String(required=True, validate=validate.OneOf(REVIEWERS))
    fixed_authority_code = fields.String(load_default=None, allow_none=True, validate=AUTHORITY)
    effective_from = fields.Date(required=True)
    version = fields.Integer(**VERSION)


class AccountV1(Schema):
    """accounts → sso, courses, stats: an account as it is now. Never the national ID
    (nor its hash): ``account_id`` is the platform's own opaque id. ``status`` pending is
    a business account applied for and not yet approved; only enabled accounts sign in.
    An account of kind teacher carries the teacher role by its kind (no role grant);
    ``unit_code`` is a teacher's current school or a business account's unit, and
    ``authority_code`` a staff account's authority."""
    account_id = fields.UUID(required=True)
    login = fields.String(required=True, validate=validate.Length(min=3, max=64))
    kind = fields.String(required=True, validate=validate.OneOf(ACCOUNT_KINDS))
    status = fields.String(required=True, validate=validate.OneOf(ACCOUNT_STATUSES))
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    email = fields.Email(load_default=None, allow_none=True)
    unit_code = fields.String(load_default=None, allow_none=True, validate=CODE)
    authority_code = fields.String(load_default=None, allow_none=True, validate=AUTHORITY)
    county_code = fields.String(load_default=None, allow_none=True, validate=COUNTY)
    version = fields.Integer(**VERSION)


class TeacherSchoolChangedV1(Schema):
    """accounts → courses, stats: a teacher moved and serves at ``unit_code`` from
    ``since`` (the school at creation comes with account.created)."""
    account_id = fields.UUID(required=True)
    unit_code = fields.String(required=True, validate=CODE)
    since = fields.Date(required=True)
    version = fields.Integer(**VERSION)


class RoleGrantV1(Schema):
    """accounts → sso (token claims), courses: a role with its scope, or its end (the
    same grant, revoked, with a higher ``version``). business is scoped by ``unit_code``,
    reviewer by ``authority_code``; the other roles have neither."""
    grant_id = fields.UUID(required=True)
    account_id = fields.UUID(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    unit_code = fields.String(load_default=None, allow_none=True, validate=CODE)
    authority_code = fields.String(load_default=None, allow_none=True, validate=AUTHORITY)
    version = fields.Integer(**VERSION)


AUTHORITY_REGISTERED = "accounts.authority.registered.v1"
UNIT_REGISTERED = "accounts.unit.registered.v1"
UNIT_UPDATED = "accounts.unit.updated.v1"
UNIT_JURISDICTION_CHANGED = "accounts.unit.jurisdiction_changed.v1"
REVIEW_ROUTING_CHANGED = "accounts.review_routing.changed.v1"
ACCOUNT_CREATED = "accounts.account.created.v1"
ACCOUNT_UPDATED = "accounts.account.updated.v1"
TEACHER_SCHOOL_CHANGED = "accounts.teacher.school_changed.v1"
ROLE_GRANTED = "accounts.role.granted.v1"
ROLE_REVOKED = "accounts.role.revoked.v1"

SCHEMAS: dict[str, type[Schema]] = {
    AUTHORITY_REGISTERED: AuthorityRegisteredV1,
    UNIT_REGISTERED: UnitV1,
    UNIT_UPDATED: UnitV1,
    UNIT_JURISDICTION_CHANGED: UnitJurisdictionChangedV1,
    REVIEW_ROUTING_CHANGED: ReviewRoutingChangedV1,
    ACCOUNT_CREATED: AccountV1,
    ACCOUNT_UPDATED: AccountV1,
    TEACHER_SCHOOL_CHANGED: TeacherSchoolChangedV1,
    ROLE_GRANTED: RoleGrantV1,
    ROLE_REVOKED: RoleGrantV1,
}
