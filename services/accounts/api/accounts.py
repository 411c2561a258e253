"""Routes for business accounts, staff accounts, role grants and one's own account."""
from __future__ import annotations

from servicekit.api import PUBLIC, roles
from services.accounts.api import account_schemas as s
from services.accounts.api.base import ANY_SIGNED_IN, MANAGERS, api, clock, path_uuid, runtime, work
from services.accounts.handlers import business_accounts as business
from services.accounts.handlers import roles as grants


@api.route("/business-accounts", "POST", allow=PUBLIC, body=s.ApplicationSchema,
           response=s.AccountSchema, status=201,
           summary="Apply for a business account (it can sign in once its authority approves)")
def apply(principal, body):
    return business.apply(work(), clock(), **body)


@api.route("/business-accounts", "GET", allow=roles("business", "reviewer", "operator", "admin"),
           query=s.BusinessQuerySchema, many=True, response=s.AccountSchema,
           summary="Business accounts in the caller's scope")
def list_business(principal, query):
    return business.list_accounts(work(), clock(), principal, **query)


@api.route("/business-accounts/<account_id>/approval", "POST", allow=roles("reviewer", "operator"),
           response=s.AccountSchema,
           summary="Approve and enable (the unit's authority; the network for national units)")
def approve(principal, account_id):
    return business.approve_account(work(), clock(), principal,
                                    path_uuid(account_id, "business account"))


@api.route("/business-accounts/<account_id>/disabling", "POST",
           allow=roles("reviewer", "operator"), response=s.AccountSchema,
           summary="Disable a business account")
def disable(principal, account_id):
    return business.disable_account(work(), clock(), principal,
                                    path_uuid(account_id, "business account"))


@api.route("/reports/dormant-business-accounts", "GET", allow=roles("reviewer", "operator", "admin"),
           query=s.DormantQuerySchema, response=s.DormantReportSchema,
           summary="Enabled business accounts without a sign-in for N days (DORMANT_DAYS)")
def dormant(principal, query):
    days = query.get("days") or business.dormant_days(runtime().settings)
    return business.dormant_report(work(), clock(), principal, days)


@api.route("/staff-accounts", "POST", allow=MANAGERS, body=s.StaffSchema,
           response=s.AccountSchema, status=201,
           summary="Create a reviewer, operator, viewer or admin account with its role")
def create_staff(principal, body):
    return grants.create_staff(work(), clock(), principal, **body)


@api.route("/accounts/<account_id>/roles", "GET", allow=MANAGERS, many=True,
           response=s.GrantSchema, summary="An account's role grants, current and revoked")
def list_grants(principal, account_id):
    return grants.list_grants(work(), path_uuid(account_id, "account"))


@api.route("/accounts/<account_id>/roles", "POST", allow=MANAGERS, body=s.GrantRequestSchema,
           response=s.GrantSchema, status=201, summary="Grant a role with its scope")
def grant(principal, account_id, body):
    return grants.grant_role(work(), clock(), principal, path_uuid(account_id, "account"),
                             **body)


@api.route("/accounts/<account_id>/roles/<grant_id>", "DELETE", allow=MANAGERS,
           response=s.GrantSchema, summary="Revoke a role grant")
def revoke(principal, account_id, grant_id):
    return grants.revoke_role(work(), clock(), principal, path_uuid(account_id, "account"),
                              path_uuid(grant_id, "grant"))


@api.route("/me", "GET", allow=ANY_SIGNED_IN, response=s.AccountSchema,
           summary="The caller's own account")
def me(principal):
    return grants.find_account(work(), principal)
