"""Data-update campaigns (R-ACC-3): the network asks the authorities to have their schools
update teacher data and business accounts by a deadline, and records which confirmed
(the 2017 minutes' table of 23 bureaus with ■ and □)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


class InvalidCampaign(ValueError):
    pass


@dataclass(frozen=True)
class Confirmation:
    authority_code: str
    confirmed_at: datetime | None
    confirmed_by: str | None
    note: str | None

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    title: str
    deadline: datetime
    reference: str | None
    created_at: datetime
    authorities: tuple[Confirmation, ...]


@dataclass(frozen=True)
class ReportLine:
    authority_code: str
    authority_name: str
    confirmed: bool
    mark: str  # ■ confirmed, □ not (as the minutes print it)
    confirmed_at: datetime | None
    late: bool  # confirmed after the deadline
    overdue: bool  # not confirmed, and the deadline has passed


def check_new(title: str, authorities: list[str]) -> None:
    if not title.strip():
        raise InvalidCampaign("a campaign needs a title")
    if not authorities:
        raise InvalidCampaign("a campaign lists at least one authority")
    if len(set(authorities)) != len(authorities):
        raise InvalidCampaign("an authority is listed twice")


def report(campaign: Campaign, names: dict[str, str], now: datetime) -> list[ReportLine]:
    return [ReportLine(
        authority_code=line.authority_code, authority_name=names.get(line.authority_code, ""),
        confirmed=line.confirmed, mark="■" if line.confirmed else "□",
        confirmed_at=line.confirmed_at,
        late=(line.confirmed and line.confirmed_at is not None
              and line.confirmed_at > campaign.deadline),
        overdue=not line.confirmed and now > campaign.deadline,
    ) for line in campaign.authorities]
