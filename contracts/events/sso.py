"""Events the sso service publishes: one constant per type, which producers record and
subscriptions bind by (the string is written here and nowhere else)."""
from marshmallow import Schema, fields, validate

from contracts.events.common import CODE, COUNTY


class AccountSignedInV1(Schema):
    """sso → accounts (dormant-account report, R-ACC-2), stats (visits, R-STA-8)."""
    account_id = fields.UUID(required=True)
    at = fields.AwareDateTime(required=True)
    method = fields.String(required=True, validate=validate.OneOf(
        ("password", "county_service", "county_oidc")))
    county_code = fields.String(load_default=None, allow_none=True, validate=COUNTY)


class CountyProfileReceivedV1(Schema):
    """sso → accounts: profile fields a county sent when its teacher roamed in (R-SSO-4);
    accounts decides what to apply. Only fields the county sent are present."""
    account_id = fields.UUID(required=True)
    county_code = fields.String(required=True, validate=COUNTY)
    display_name = fields.String(validate=validate.Length(min=1, max=100))
    email = fields.Email(allow_none=True)
    unit_code = fields.String(validate=CODE)


class MaintenanceNoticeAnnouncedV1(Schema):
    """sso → courses (news and marquee, R-CRS-12): a planned outage an operator announced;
    the sso service has e-mailed every enabled partner's contacts (R-SSO-6)."""
    notice_id = fields.UUID(required=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)


ACCOUNT_SIGNED_IN = "sso.account.signed_in.v1"
COUNTY_PROFILE_RECEIVED = "sso.county_profile.received.v1"
MAINTENANCE_NOTICE_ANNOUNCED = "sso.maintenance_notice.announced.v1"

SCHEMAS: dict[str, type[Schema]] = {
    ACCOUNT_SIGNED_IN: AccountSignedInV1,
    COUNTY_PROFILE_RECEIVED: CountyProfileReceivedV1,
    MAINTENANCE_NOTICE_ANNOUNCED: MaintenanceNoticeAnnouncedV1,
}
