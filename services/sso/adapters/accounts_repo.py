"""The replica of accounts as the sign-in sees it: an account with its active role grants,
and whether it is one that testing partners may sign in."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from services.sso.adapters.tables.accounts import accounts, role_grants, test_accounts
from services.sso.domain.accounts import Account, RoleGrant


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
