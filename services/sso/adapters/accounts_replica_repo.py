"""Writing the replica of accounts (status, roles, unit, county) from accounts' events:
"newer version wins" (servicekit.replica), so an older event arriving late never
overwrites what is kept. Reading it is ``repository.AccountRepository``."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from servicekit.dml import rows_changed
from servicekit.replica import upsert_newer
from services.sso.adapters.tables.accounts import accounts, role_grants, test_accounts


class AccountReplicaRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def put_account(self, values: dict[str, Any], at: datetime) -> bool:
        """True when this version was written (it was newer than the one kept)."""
        return bool(upsert_newer(self.session, accounts, ["account_id"], [values],
                                 shared={"updated_at": at}, report_written=True))

    def put_grant(self, values: dict[str, Any], at: datetime) -> None:
        # A revocation carrying the grant's own version still ends it.
        upsert_newer(self.session, role_grants, ["grant_id"], [values],
                     shared={"updated_at": at}, tie_wins_when={"active": False})


class PartnerTestAccountRepository:
    """The accounts a partner in testing may sign in (R-SSO-2)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def has(self, account_id: str) -> bool:
        return self.session.scalar(select(test_accounts.c.account_id).where(
            test_accounts.c.account_id == account_id)) is not None

    def add(self, account_id: str, by: str, at: datetime) -> None:
        self.session.execute(insert(test_accounts).values(account_id=account_id, added_by=by,
                                                          added_at=at))

    def remove(self, account_id: str) -> bool:
        return rows_changed(self.session.execute(delete(test_accounts).where(
            test_accounts.c.account_id == account_id))) == 1

    def all_ids(self) -> list[str]:
        return list(self.session.scalars(select(test_accounts.c.account_id)
                                         .order_by(test_accounts.c.account_id)))
