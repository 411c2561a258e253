"""Partner sites through their lifecycle, and the test accounts a partner in testing may
sign in (R-SSO-2); operators only (``/api/sso/partners…`` at the gateway)."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from marshmallow import Schema, fields, validate

from servicekit.api import roles
from services.sso.api import api
from services.sso.domain.clients import APPLIED, PARTNER, SCOPES, STATUSES, Client
from services.sso.handlers import partner_test_accounts
from services.sso.web.current import current_dependencies

OPERATORS = roles("operator", "admin")
URL = validate.Length(min=1, max=500)


def _by(principal) -> str:
    return principal.subject


class PartnerApplication(Schema):
    client_id = fields.String(required=True, validate=validate.Length(min=3, max=64))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    organisation = fields.String(load_default=None, validate=validate.Length(max=200))
    redirect_uris = fields.List(fields.String(validate=URL), required=True,
                                validate=validate.Length(min=1, max=20))
    post_logout_redirect_uris = fields.List(fields.String(validate=URL), load_default=list)
    backchannel_logout_uri = fields.String(load_default=None, validate=URL)
    sector_identifier_uri = fields.String(load_default=None, validate=URL)
    contacts = fields.List(fields.Email(), load_default=list, validate=validate.Length(max=20))
    allowed_scopes = fields.List(fields.String(validate=validate.OneOf(SCOPES)),
                                 load_default=lambda: ["openid"])


class PartnerSchema(Schema):
    client_id = fields.String()
    name = fields.String()
    organisation = fields.String(allow_none=True)
    kind = fields.String()
    status = fields.String(validate=validate.OneOf(STATUSES))
    redirect_uris = fields.List(fields.String())
    post_logout_redirect_uris = fields.List(fields.String())
    backchannel_logout_uri = fields.String(allow_none=True)
    sector_identifier_uri = fields.String(allow_none=True)
    sector = fields.String()
    contacts = fields.List(fields.String())
    allowed_scopes = fields.List(fields.String())
    auth_method = fields.String(data_key="token_endpoint_auth_method")
    approval_reference = fields.String(allow_none=True)
    approved_on = fields.Date(allow_none=True)
    disabled_on = fields.Date(allow_none=True)
    disabled_reason = fields.String(allow_none=True)
    client_secret = fields.String(dump_only=True)  # only in the answer that makes it


class Approval(Schema):
    approval_reference = fields.String(required=True, validate=validate.Length(min=1, max=100))
    approved_on = fields.Date(load_default=None)


class Disabling(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
    disabled_on = fields.Date(load_default=None)


class HistorySchema(Schema):
    status = fields.String()
    at = fields.AwareDateTime()
    by = fields.String()
    note = fields.String(allow_none=True)


class SecretSchema(Schema):
    client_secret = fields.String()


@api.route("/partners", "POST", allow=OPERATORS, summary="A partner site applies (R-SSO-2)",
           body=PartnerApplication, response=PartnerSchema, status=201)
def apply_partner(principal, body):
    given: dict[str, Any] = {name: tuple(value) if isinstance(value, list) else value
                             for name, value in body.items()}
    client = Client(kind=PARTNER, status=APPLIED, **given)
    registered, secret = current_dependencies().partners.register(client, _by(principal))
    return {**asdict(registered), "client_secret": secret}


@api.route("/partners", "GET", allow=OPERATORS, summary="Every client: partner sites and the "
           "platform's own", response=PartnerSchema, many=True)
def list_partners(principal):
    return current_dependencies().partners.all_clients()


@api.route("/partners/<client_id>", "GET", allow=OPERATORS, summary="A partner site",
           response=PartnerSchema)
def get_partner(principal, client_id):
    return current_dependencies().partners.find(client_id)


@api.route("/partners/<client_id>/history", "GET", allow=OPERATORS,
           summary="A partner's lifecycle steps", response=HistorySchema, many=True)
def partner_history(principal, client_id):
    return current_dependencies().partners.history(client_id)


@api.route("/partners/<client_id>/testing", "POST", allow=OPERATORS,
           summary="Start testing: the partner signs in test accounts only", response=PartnerSchema)
def start_testing(principal, client_id):
    return current_dependencies().partners.start_testing(client_id, _by(principal))


@api.route("/partners/<client_id>/approval", "POST", allow=OPERATORS,
           summary="Record the ministry's approval", body=Approval, response=PartnerSchema)
def approve_partner(principal, client_id, body):
    sso = current_dependencies()
    return sso.partners.approve(client_id, _by(principal), body["approval_reference"],
                            body["approved_on"] or sso.clock.now().date())


@api.route("/partners/<client_id>/enable", "POST", allow=OPERATORS,
           summary="Open sign-in for an approved partner", response=PartnerSchema)
def enable_partner(principal, client_id):
    return current_dependencies().partners.enable(client_id, _by(principal))


@api.route("/partners/<client_id>/disable", "POST", allow=OPERATORS,
           summary="Close a partner at once: its grants are revoked, back-channel logout sent",
           body=Disabling, response=PartnerSchema)
def disable_partner(principal, client_id, body):
    sso = current_dependencies()
    return sso.partners.disable(client_id, _by(principal),
                            body["disabled_on"] or sso.clock.now().date(), body["reason"])


@api.route("/partners/<client_id>/secret", "POST", allow=OPERATORS,
           summary="A new client secret (the old one stops at once)", response=SecretSchema)
def new_partner_secret(principal, client_id):
    return {"client_secret": current_dependencies().partners.new_secret(client_id, _by(principal))}


# -- test accounts ------------------------------------------------------------------------------
class AccountIds(Schema):
    account_ids = fields.List(fields.String())


@api.route("/test-accounts", "GET", allow=OPERATORS,
           summary="Accounts a partner in testing may sign in", response=AccountIds)
def list_test_accounts(principal):
    return {"account_ids": partner_test_accounts.all_ids(current_dependencies().unit_of_work())}


@api.route("/test-accounts/<account_id>", "PUT", allow=OPERATORS, summary="Make a test account")
def add_test_account(principal, account_id):
    sso = current_dependencies()
    partner_test_accounts.add(sso.unit_of_work(), sso.clock, account_id, _by(principal))
    return {"account_id": account_id}


@api.route("/test-accounts/<account_id>", "DELETE", allow=OPERATORS,
           summary="No longer a test account")
def remove_test_account(principal, account_id):
    partner_test_accounts.remove(current_dependencies().unit_of_work(), account_id)
    return {"account_id": account_id}
