"""County links (R-SSO-4): the arrivals of county identities waiting to be linked, the
links made, and the links undone; and the county connectors. Rows in, plain values out;
the rules are the handlers' (handlers/county_links.py, county_unlinks.py,
county_connectors.py)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from servicekit.dml import rows_changed
from services.sso.adapters.tables.county import (
    county_arrivals,
    county_connectors,
    county_links,
    county_unlinks,
)


class LinkTaken(Exception):
    """The county identity, or the teacher, is linked for that county already."""


@dataclass(frozen=True)
class CountyLink:
    link_id: int
    county_code: str
    account_id: str
    linked_at: datetime
    linked_by: str
    proposed_by: str | None
    profile_digest: str | None


@dataclass(frozen=True)
class ConnectorRow:
    county_code: str
    mode: str
    display_name: str
    config: dict[str, Any]
    enabled: bool
    updated_at: datetime
    secret_sealed: str | None


class CountyLinkRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- links ---------------------------------------------------------------------------
    def link_of_subject(self, county_code: str, subject_digest: str) -> CountyLink | None:
        row = self.session.execute(select(county_links).where(
            county_links.c.county_code == county_code,
            county_links.c.county_subject == subject_digest)).first()
        return _link(row) if row else None

    def links_of(self, account_id: str) -> list[CountyLink]:
        rows = self.session.execute(select(county_links).where(
            county_links.c.account_id == account_id).order_by(county_links.c.county_code)).all()
        return [_link(row) for row in rows]

    def link_for_update(self, link_id: int) -> CountyLink | None:
        row = self.session.execute(select(county_links).where(county_links.c.id == link_id)
                                   .with_for_update()).first()
        return _link(row) if row else None

    def add_link(self, county_code: str, subject_digest: str, account_id: str, at: datetime,
                 by: str, proposed_by: str | None, profile_digest: str | None) -> None:
        """Raises ``LinkTaken`` (the unit of work is then to be rolled back)."""
        try:
            self.session.execute(insert(county_links).values(
                county_code=county_code, county_subject=subject_digest, account_id=account_id,
                linked_at=at, linked_by=by, proposed_by=proposed_by,
                profile_digest=profile_digest))
        except IntegrityError:
            raise LinkTaken from None

    def set_profile_digest(self, link_id: int, profile_digest: str) -> None:
        self.session.execute(update(county_links).where(county_links.c.id == link_id)
                             .values(profile_digest=profile_digest))

    def unlink(self, link: CountyLink, at: datetime, by: str, reason: str) -> None:
        """The link goes; the record of it as it was, and of who undid it, stays."""
        self.session.execute(delete(county_links).where(county_links.c.id == link.link_id))
        self.session.execute(insert(county_unlinks).values(
            link_id=link.link_id, county_code=link.county_code, account_id=link.account_id,
            linked_at=link.linked_at, linked_by=link.linked_by, proposed_by=link.proposed_by,
            unlinked_at=at, unlinked_by=by, reason=reason))

    # -- arrivals: county identities waiting for a link -----------------------------------
    def arrival(self, arrival_id: str, statuses: tuple[str, ...],
                live_at: datetime | None = None,
                proposed_account_id: str | None = None) -> dict[str, Any] | None:
        """The arrival in one of ``statuses``; when ``live_at`` is given, one not expired
        by then; when ``proposed_account_id`` is given, one proposed for that account."""
        a = county_arrivals.c
        query = select(county_arrivals).where(a.arrival_id == arrival_id, a.status.in_(statuses))
        if live_at is not None:
            query = query.where(a.expires_at > live_at)
        if proposed_account_id is not None:
            query = query.where(a.proposed_account_id == proposed_account_id)
        row = self.session.execute(query).first()
        return dict(row._mapping) if row else None

    def proposal_waiting_for(self, county_code: str, subject_digest: str, status: str,
                             live_at: datetime) -> str | None:
        """The newest live arrival of that identity in ``status`` (a reviewer's proposal)."""
        a = county_arrivals.c
        return self.session.scalar(select(a.arrival_id).where(
            a.county_code == county_code, a.county_subject == subject_digest,
            a.status == status, a.expires_at > live_at)
            .order_by(a.proposed_at.desc()).limit(1))

    def add_arrival(self, **values: Any) -> None:
        self.session.execute(insert(county_arrivals).values(**values))

    def change_arrival(self, arrival_id: str, statuses: tuple[str, ...],
                       **values: Any) -> bool:
        """Changes the arrival only while it is in one of ``statuses``: False when another
        request decided it meanwhile."""
        return rows_changed(self.session.execute(update(county_arrivals).where(
            county_arrivals.c.arrival_id == arrival_id,
            county_arrivals.c.status.in_(statuses)).values(**values))) == 1

    def proposed_to(self, account_id: str, status: str, live_at: datetime) -> list[dict[str, Any]]:
        a = county_arrivals.c
        rows = self.session.execute(select(county_arrivals).where(
            a.proposed_account_id == account_id, a.status == status, a.expires_at > live_at)
            .order_by(a.proposed_at)).all()
        return [dict(row._mapping) for row in rows]

    def waiting(self, statuses: tuple[str, ...], live_at: datetime,
                county_code: str | None) -> list[dict[str, Any]]:
        a = county_arrivals.c
        query = select(county_arrivals).where(a.status.in_(statuses), a.expires_at > live_at)
        if county_code:
            query = query.where(a.county_code == county_code)
        return [dict(row._mapping) for row in self.session.execute(query.order_by(a.created_at))]

    def remove_expired_arrivals(self, before: datetime) -> int:
        return rows_changed(self.session.execute(delete(county_arrivals).where(
            county_arrivals.c.expires_at < before)))


class CountyConnectorRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self, enabled_only: bool) -> list[ConnectorRow]:
        query = select(county_connectors).order_by(county_connectors.c.county_code)
        if enabled_only:
            query = query.where(county_connectors.c.enabled.is_(True))
        return [_connector(row) for row in self.session.execute(query)]

    def get(self, county_code: str) -> ConnectorRow | None:
        row = self.session.execute(select(county_connectors).where(
            county_connectors.c.county_code == county_code)).first()
        return _connector(row) if row else None

    def put(self, county_code: str, **values: Any) -> None:
        """Adds the county's connector, or changes it (a value not given stays)."""
        exists = self.session.scalar(select(county_connectors.c.county_code).where(
            county_connectors.c.county_code == county_code))
        if exists:
            self.session.execute(update(county_connectors).where(
                county_connectors.c.county_code == county_code).values(**values))
        else:
            self.session.execute(insert(county_connectors).values(county_code=county_code,
                                                                  **values))


def _link(row: Any) -> CountyLink:
    return CountyLink(row.id, row.county_code, row.account_id, row.linked_at, row.linked_by,
                      row.proposed_by, row.profile_digest)


def _connector(row: Any) -> ConnectorRow:
    return ConnectorRow(row.county_code, row.mode, row.display_name, dict(row.config),
                        row.enabled, row.updated_at, row.secret_sealed)
