"""Repository of data-update campaigns and their confirmations."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, insert, select, update
from sqlalchemy.orm import Session

from services.accounts.adapters.orm import authorities, campaign_authorities, campaigns
from services.accounts.domain.campaigns import Campaign, Confirmation


class CampaignRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, campaign_id: str, title: str, deadline: datetime, reference: str | None,
            authority_codes: list[str], at: datetime, by: str) -> None:
        self.session.execute(insert(campaigns).values(
            campaign_id=campaign_id, title=title, deadline=deadline, reference=reference,
            created_at=at, created_by=by))
        self.session.execute(insert(campaign_authorities), [
            {"campaign_id": campaign_id, "authority_code": code} for code in authority_codes])

    def confirm(self, campaign_id: str, authority_code: str, at: datetime, by: str,
                note: str | None) -> None:
        self.session.execute(update(campaign_authorities).where(
            campaign_authorities.c.campaign_id == campaign_id,
            campaign_authorities.c.authority_code == authority_code).values(
            confirmed_at=at, confirmed_by=by, note=note))

    def get(self, campaign_id: str) -> Campaign | None:
        found = self._load(campaigns.c.campaign_id == campaign_id)
        return found[0] if found else None

    def all(self) -> list[Campaign]:
        return self._load(None)

    def _load(self, where: ColumnElement[bool] | None) -> list[Campaign]:
        query = select(campaigns).order_by(campaigns.c.created_at.desc())
        if where is not None:
            query = query.where(where)
        heads = self.session.execute(query).all()
        if not heads:
            return []
        lines = self.session.execute(
            select(campaign_authorities)
            .join(authorities, authorities.c.code == campaign_authorities.c.authority_code)
            .where(campaign_authorities.c.campaign_id.in_([h.campaign_id for h in heads]))
            .order_by(authorities.c.position)).all()
        return [Campaign(
            head.campaign_id, head.title, head.deadline, head.reference,
            head.created_at,
            tuple(Confirmation(line.authority_code, line.confirmed_at, line.confirmed_by,
                               line.note)
                  for line in lines if line.campaign_id == head.campaign_id))
            for head in heads]
