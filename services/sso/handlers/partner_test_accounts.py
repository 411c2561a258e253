"""The accounts a partner site in testing may sign in, and no others (R-SSO-2): operators
keep the list; a client in testing is refused every other account (handlers/authorize.py)."""
from __future__ import annotations

from servicekit.clock import Clock
from servicekit.errors import NotFound
from services.sso.adapters.unit_of_work import SsoWork


def add(uow: SsoWork, clock: Clock, account_id: str, by: str) -> None:
    with uow:
        if uow.accounts.get(account_id) is None:
            raise NotFound(f"no account {account_id}")
        if not uow.partner_test_accounts.has(account_id):
            uow.partner_test_accounts.add(account_id, by[:64], clock.now())


def remove(uow: SsoWork, account_id: str) -> None:
    with uow:
        if not uow.partner_test_accounts.remove(account_id):
            raise NotFound(f"{account_id} is not a test account")


def all_ids(uow: SsoWork) -> list[str]:
    with uow:
        return uow.partner_test_accounts.all_ids()
