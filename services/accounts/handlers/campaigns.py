"""Data-update campaigns (R-ACC-3): an operator opens one with a deadline and the
authorities it asks; each authority's confirmation is recorded — by its own reviewer, or
by an operator when the bureau's letter arrives (the minutes' 副知本網情形)."""
from __future__ import annotations

import uuid
from datetime import datetime

from servicekit.clock import Clock
from servicekit.errors import Conflict, Invalid
from servicekit.tokens import Principal
from services.accounts.adapters.unit_of_work import AccountsUnitOfWork
from services.accounts.domain.campaigns import Campaign, InvalidCampaign, check_new, report
from services.accounts.handlers.scope import is_national, no_such, reviews_for


def open_campaign(uow: AccountsUnitOfWork, clock: Clock, principal: Principal, title: str,
                  deadline: datetime,
                  authority_codes: list[str], reference: str | None = None,
                  campaign_id: str | None = None) -> Campaign:
    try:
        check_new(title, authority_codes)
    except InvalidCampaign as error:
        raise Invalid("invalid-campaign", "The campaign is not valid", str(error)) from None
    with uow:
        known = uow.authorities.codes()
        unknown = [code for code in authority_codes if code not in known]
        if unknown:
            raise Invalid("unknown-authority", "No such authority",
                          f"unknown authorities: {', '.join(unknown)}", authority_codes=unknown)
        campaigns = uow.campaigns
        campaign_id = campaign_id or uuid.uuid4().hex
        if campaigns.get(campaign_id) is not None:
            raise Conflict("campaign-exists", "The campaign exists", f"campaign {campaign_id}")
        campaigns.add(campaign_id, title.strip(), deadline, reference, authority_codes,
                      clock.now(), principal.subject)
        return campaigns.get(campaign_id)  # type: ignore[return-value]  # added just above


def list_campaigns(uow: AccountsUnitOfWork) -> list[Campaign]:
    with uow:
        return uow.campaigns.all()


def confirm(uow: AccountsUnitOfWork, clock: Clock, principal: Principal, campaign_id: str,
            authority_code: str, note: str | None = None, at: datetime | None = None
            ) -> Campaign:
    with uow:
        campaigns = uow.campaigns
        campaign = campaigns.get(campaign_id)
        if campaign is None:
            raise no_such(f"campaign {campaign_id}")
        line = next((c for c in campaign.authorities if c.authority_code == authority_code), None)
        if line is None:
            raise Invalid("authority-not-in-campaign", "The authority is not asked",
                          f"campaign {campaign_id} does not list {authority_code}")
        if not (is_national(principal) or reviews_for(principal, authority_code)):
            raise no_such(f"campaign {campaign_id} for {authority_code}")
        if line.confirmed:
            raise Conflict("already-confirmed", "Confirmed already",
                           f"{authority_code} confirmed on {line.confirmed_at.isoformat()}")  # type: ignore[union-attr]  # confirmed: it has its time
        campaigns.confirm(campaign_id, authority_code, at or clock.now(), principal.subject,
                           note)
        return campaigns.get(campaign_id)  # type: ignore[return-value]  # it exists: confirmed above


def campaign_report(uow: AccountsUnitOfWork, clock: Clock, campaign_id: str) -> dict:
    with uow:
        campaign = uow.campaigns.get(campaign_id)
        if campaign is None:
            raise no_such(f"campaign {campaign_id}")
        names = {a.code: a.name for a in uow.authorities.all()}
    lines = report(campaign, names, clock.now())
    return {"campaign_id": campaign.campaign_id, "title": campaign.title,
            "deadline": campaign.deadline, "reference": campaign.reference,
            "confirmed": sum(line.confirmed for line in lines), "asked": len(lines),
            "lines": lines}
