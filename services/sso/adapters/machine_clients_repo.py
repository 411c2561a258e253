"""Machine clients and their secrets (``tables/machine_clients.py``)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from servicekit.dml import rows_changed
from services.sso.adapters.tables.machine_clients import machine_clients, machine_secrets
from services.sso.domain.machine_clients import MachineClient, MachineSecret


class MachineClientRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, client_id: str | None) -> MachineClient | None:
        if not client_id:
            return None
        row = self.session.execute(select(machine_clients).where(
            machine_clients.c.client_id == client_id)).first()
        return _client(row._mapping) if row else None

    def by_source(self, source: str) -> MachineClient | None:
        row = self.session.execute(select(machine_clients).where(
            machine_clients.c.source == source)).first()
        return _client(row._mapping) if row else None

    def all(self) -> list[MachineClient]:
        rows = self.session.execute(select(machine_clients).order_by(
            machine_clients.c.client_id)).all()
        return [_client(row._mapping) for row in rows]

    def add(self, client: MachineClient, at: datetime, by: str) -> None:
        self.session.execute(insert(machine_clients).values(
            client_id=client.client_id, source=client.source, name=client.name,
            status=client.status, created_at=at, created_by=by))

    def set_status(self, client_id: str, status: str) -> None:
        self.session.execute(update(machine_clients).where(
            machine_clients.c.client_id == client_id).values(status=status))

    def secrets(self, client_id: str) -> list[MachineSecret]:
        rows = self.session.execute(select(machine_secrets).where(
            machine_secrets.c.client_id == client_id).order_by(machine_secrets.c.id)).all()
        return [MachineSecret(r.id, r.client_id, r.secret_hash, r.maintainer, r.valid_from,
                              r.valid_until) for r in rows]

    def add_secret(self, client_id: str, secret_hash: str, maintainer: str,
                   valid_from: datetime, at: datetime, by: str) -> None:
        self.session.execute(insert(machine_secrets).values(
            client_id=client_id, secret_hash=secret_hash, maintainer=maintainer,
            valid_from=valid_from, issued_at=at, issued_by=by))

    def end_secret(self, secret_id: int, until: datetime) -> bool:
        """False when the secret already has an end (another handover won the race)."""
        result = self.session.execute(update(machine_secrets).where(
            machine_secrets.c.id == secret_id, machine_secrets.c.valid_until.is_(None))
            .values(valid_until=until))
        return rows_changed(result) == 1

    def end_all(self, client_id: str, until: datetime) -> None:
        """Every secret of the client stops at ``until`` (a disabled client)."""
        self.session.execute(update(machine_secrets).where(
            machine_secrets.c.client_id == client_id,
            (machine_secrets.c.valid_until.is_(None)) | (machine_secrets.c.valid_until > until))
            .values(valid_until=until))

    def log(self, client_id: str) -> list[dict[str, Any]]:
        """Each secret's span and maintainer, never its digest."""
        rows = self.session.execute(select(machine_secrets).where(
            machine_secrets.c.client_id == client_id).order_by(machine_secrets.c.id)).all()
        return [{"maintainer": r.maintainer, "valid_from": r.valid_from,
                 "valid_until": r.valid_until, "issued_at": r.issued_at,
                 "issued_by": r.issued_by} for r in rows]


def _client(row: Any) -> MachineClient:
    return MachineClient(row["client_id"], row["source"], row["name"], row["status"])
