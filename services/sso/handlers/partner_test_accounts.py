"""The accounts a partner site in testing may sign in, and no others (R-SSO-2): operators
keep the list; a client in testing is refused every other account (handlers/authorize.py)."""
from __future__ import annotations

from sqlalchemy import delete, insert, select

from servicekit.dml import rows_changed
from servicekit.errors import NotFound
from services.sso.adapters.orm import test_accounts
from services.sso.adapters.repository import AccountRepository
from services.sso.context import Sso


def add(sso: Sso, account_id: str, by: str) -> None:
    with sso.database.session() as session:
        if AccountRepository(session).get(account_id) is None:
            raise NotFound(f"no account {account_id}")
        if session.scalar(select(test_accounts.c.account_id).where(
                test_accounts.c.account_id == account_id)) is None:
            session.execute(insert(test_accounts).values(account_id=account_id, added_by=by[:64],
                                                         added_at=sso.now()))


def remove(sso: Sso, account_id: str) -> None:
    with sso.database.session() as session:
        if rows_changed(session.execute(delete(test_accounts).where(
                test_accounts.c.account_id == account_id))) == 0:
            raise NotFound(f"{account_id} is not a test account")


def all_ids(sso: Sso) -> list[str]:
    with sso.database.session() as session:
        return list(session.scalars(select(test_accounts.c.account_id)
                                    .order_by(test_accounts.c.account_id)))
