"""Routes for data-update campaigns and their confirmation report (R-ACC-3)."""
from __future__ import annotations

from servicekit.api import roles
from services.accounts.api import campaign_schemas as s
from services.accounts.api.base import MANAGERS, api, clock, work
from services.accounts.handlers import campaigns

READERS = roles("reviewer", "operator", "viewer", "admin")


@api.route("/campaigns", "POST", allow=MANAGERS, body=s.CampaignOpenSchema,
           response=s.CampaignSchema, status=201,
           summary="Open a data-update campaign: deadline and the authorities asked")
def open_campaign(principal, body):
    return campaigns.open_campaign(work(), clock(), principal, **body)


@api.route("/campaigns", "GET", allow=READERS, many=True, response=s.CampaignSchema,
           summary="Data-update campaigns")
def list_campaigns(principal):
    return campaigns.list_campaigns(work())


@api.route("/campaigns/<campaign_id>/report", "GET", allow=READERS,
           response=s.CampaignReportSchema,
           summary="Which authorities confirmed (■) and which did not (□)")
def report(principal, campaign_id):
    return campaigns.campaign_report(work(), clock(), campaign_id)


@api.route("/campaigns/<campaign_id>/confirmations", "POST", allow=roles("reviewer", "operator"),
           body=s.ConfirmSchema, response=s.CampaignSchema, status=201,
           summary="Record an authority's confirmation (its reviewer, or an operator)")
def confirm(principal, campaign_id, body):
    return campaigns.confirm(work(), clock(), principal, campaign_id, **body)
