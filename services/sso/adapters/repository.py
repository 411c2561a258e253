"""Rows to domain objects and back, for the tables whose rows are domain objects."""
from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Row, RowMapping
from sqlalchemy.orm import Session

from servicekit.dml import rows_changed
from services.sso.adapters.tables.accounts import accounts, role_grants, test_accounts
from services.sso.adapters.tables.clients import clients
from services.sso.domain.accounts import Account, RoleGrant
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


class AccountRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, account_id: str | None) -> Account | None:
        if not account_id:
            return None
        row = self.session.execute(select(accounts).where(
            accounts.c.account_id == account_id)).first()
        return self._account(row) if row else None

    def by_login(self, name: str) -> Account | None:
        """``name`` as ``domain.logins.normalised_login`` gives it: the replica keeps login
        names lower-cased (handlers/replica.py), and this matches exactly."""
        row = self.session.execute(select(accounts).where(accounts.c.login == name)).first()
        return self._account(row) if row else None

    def id_of_login(self, name: str) -> str | None:
        """The account id alone, one index probe: what a request that must cost the same
        whether or not the account exists looks up."""
        return self.session.scalar(select(accounts.c.account_id).where(accounts.c.login == name))

    def is_test_account(self, account_id: str) -> bool:
        return self.session.scalar(select(test_accounts.c.account_id).where(
            test_accounts.c.account_id == account_id)) is not None

    def _account(self, row: Row[Any]) -> Account:
        grant_rows = self.session.execute(select(role_grants).where(
            role_grants.c.account_id == row.account_id, role_grants.c.active.is_(True))).all()
        grants = tuple(RoleGrant(g.role, g.unit_code, g.authority_code) for g in grant_rows)
        return Account(account_id=row.account_id, login=row.login, kind=row.kind,
                       status=row.status, display_name=row.display_name, email=row.email,
                       unit_code=row.unit_code, authority_code=row.authority_code,
                       county_code=row.county_code, grants=grants)
