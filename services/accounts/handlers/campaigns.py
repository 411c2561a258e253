"""Data-update campaigns (R-ACC-3): an operator opens one with a deadline and the
authorities it asks; each authority's confirmation is recorded — by its own reviewer, or
by an operator when the bureau's letter arrives (the minutes' 副知本網情形)."""
from __future__ import annotations

import uuid
from datetime import datetime

from servicekit.problems import conflict
from servicekit.service import Runtime
from servicekit.tokens import Principal
from services.accounts.adapters.campaigns_repo import CampaignRepository
from services.accounts.adapters.organisations import AuthorityRepository
from services.accounts.domain import dates
from services.accounts.domain.campaigns import Campaign, InvalidCampaign, check_new, report
from services.accounts.handlers.scope import hidden, invalid, is_national, reviews_for


def open_campaign(runtime: Runtime, principal: Principal, title: str, deadline: datetime,
                  authority_codes: list[str], reference: str | None = None,
                  campaign_id: str | None = None) -> Campaign:
    try:
        check_new(title, authority_codes)
    except InvalidCampaign as error:
        raise invalid("invalid-campaign", "The campaign is not valid", str(error)) from None
    with runtime.database.session() as session:
        known = AuthorityRepository(session).codes()
        unknown = [code for code in authority_codes if code not in known]
        if unknown:
            raise invalid("unknown-authority", "No such authority",
                          f"unknown authorities: {', '.join(unknown)}", authority_codes=unknown)
        campaigns = CampaignRepository(session)
        campaign_id = campaign_id or uuid.uuid4().hex
        if campaigns.get(campaign_id) is not None:
            raise conflict("campaign-exists", "The campaign exists", f"campaign {campaign_id}")
        campaigns.add(campaign_id, title.strip(), deadline, reference, authority_codes,
                      dates.now(), principal.subject)
        return campaigns.get(campaign_id)  # type: ignore[return-value]  # added just above


def list_campaigns(runtime: Runtime) -> list[Campaign]:
    with runtime.database.session() as session:
        return CampaignRepository(session).all()


def confirm(runtime: Runtime, principal: Principal, campaign_id: str, authority_code: str,
            note: str | None = None, at: datetime | None = None) -> Campaign:
    with runtime.database.session() as session:
        campaigns = CampaignRepository(session)
        campaign = campaigns.get(campaign_id)
        if campaign is None:
            raise hidden(f"campaign {campaign_id}")
        line = next((c for c in campaign.authorities if c.authority_code == authority_code), None)
        if line is None:
            raise invalid("authority-not-in-campaign", "The authority is not asked",
                          f"campaign {campaign_id} does not list {authority_code}")
        if not (is_national(principal) or reviews_for(principal, authority_code)):
            raise hidden(f"campaign {campaign_id} for {authority_code}")
        if line.confirmed:
            raise conflict("already-confirmed", "Confirmed already",
                           f"{authority_code} confirmed on {line.confirmed_at.isoformat()}")  # type: ignore[union-attr]  # confirmed: it has its time
        campaigns.confirm(campaign_id, authority_code, at or dates.now(), principal.subject, note)
        return campaigns.get(campaign_id)  # type: ignore[return-value]  # it exists: confirmed above


def campaign_report(runtime: Runtime, campaign_id: str) -> dict:
    with runtime.database.session() as session:
        campaign = CampaignRepository(session).get(campaign_id)
        if campaign is None:
            raise hidden(f"campaign {campaign_id}")
        names = {a.code: a.name for a in AuthorityRepository(session).all()}
    lines = report(campaign, names, dates.now())
    return {"campaign_id": campaign.campaign_id, "title": campaign.title,
            "deadline": campaign.deadline, "reference": campaign.reference,
            "confirmed": sum(line.confirmed for line in lines), "asked": len(lines),
            "lines": lines}
