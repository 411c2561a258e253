"""Clients and partner sites (R-SSO-2, R-SSO-3) and the history of each partner's status."""
from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from servicekit.dml import rows_changed
from services.sso.adapters.tables.clients import client_history, clients
from services.sso.domain.clients import Client

_LIST_FIELDS = ("redirect_uris", "post_logout_redirect_uris", "contacts", "allowed_scopes")


class ClientRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, client_id: str | None) -> Client | None:
        if not client_id:
            return None
        row = self.session.execute(select(clients).where(clients.c.client_id == client_id)).first()
        return _client(row._mapping) if row else None

    def all(self) -> list[Client]:
        rows = self.session.execute(select(clients).order_by(clients.c.client_id)).all()
        return [_client(row._mapping) for row in rows]

    def enabled_partners(self) -> list[Client]:
        rows = self.session.execute(select(clients).where(
            clients.c.kind == "partner", clients.c.status == "enabled")).all()
        return [_client(row._mapping) for row in rows]

    def add(self, client: Client, created_at: datetime) -> None:
        self.session.execute(insert(clients).values(**_row(client), created_at=created_at))

    def save(self, client: Client, expected_version: int) -> bool:
        """False when someone else changed the client meanwhile."""
        result = self.session.execute(update(clients).where(
            clients.c.client_id == client.client_id, clients.c.version == expected_version)
            .values(**_row(client)))
        return rows_changed(result) == 1

    def add_history(self, client_id: str, status: str, at: datetime, by: str,
                    note: str | None) -> None:
        self.session.execute(insert(client_history).values(
            client_id=client_id, status=status, at=at, by=by, note=note))

    def history(self, client_id: str) -> list[dict[str, Any]]:
        rows = self.session.execute(select(client_history).where(
            client_history.c.client_id == client_id).order_by(client_history.c.id)).all()
        return [{"status": r.status, "at": r.at, "by": r.by, "note": r.note} for r in rows]


def _row(client: Client) -> dict:
    row = asdict(client)
    row.pop("created_at")
    for name in _LIST_FIELDS:
        row[name] = list(row[name])
    return row


def _client(row: RowMapping) -> Client:
    values = {name: row[name] for name in Client.__dataclass_fields__ if name in row}
    for name in _LIST_FIELDS:
        values[name] = tuple(values[name] or ())
    return Client(**values)
