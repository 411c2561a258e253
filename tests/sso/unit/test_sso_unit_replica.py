"""The accounts replica from accounts' events, and the accounts a partner in testing may
sign in (R-SSO-2), on the fake unit of work."""
from __future__ import annotations

import uuid

import pytest
from sso_fakes import World

from contracts.events.accounts import ACCOUNT_CREATED
from servicekit.errors import NotFound
from services.sso.handlers import partner_test_accounts, replica

ACCOUNT = str(uuid.uuid4())


def event(version: int, status: str = "enabled", login: str = "Teacher00001") -> dict:
    return {"account_id": ACCOUNT, "login": login, "kind": "teacher", "status": status,
            "display_name": "林老師", "version": version}


def test_an_account_that_stops_being_enabled_loses_its_sign_ins_once() -> None:
    world = World()
    with world.uow:
        replica.apply_account(world.uow, world.clock, world.sign_out, event(1))
        replica.apply_account(world.uow, world.clock, world.sign_out, event(2, "disabled"))
        replica.apply_account(world.uow, world.clock, world.sign_out, event(2, "disabled"))  # redelivered
        replica.apply_account(world.uow, world.clock, world.sign_out, event(1))  # late and older: ignored
    assert world.uow.accounts.get(ACCOUNT).status == "disabled"
    assert world.uow.accounts.get(ACCOUNT).login == "teacher00001"  # kept folded
    assert world.uow.ended_sign_ins == [(ACCOUNT, "account-disabled", None)]


def test_the_consumers_handlers_work_in_its_transaction() -> None:
    world = World()
    handlers = replica.handlers(lambda _session: world.uow, world.clock, world.sign_out)
    with world.uow:  # the consumer's transaction
        handlers[ACCOUNT_CREATED](object(), event(1), None)
    assert world.uow.accounts.get(ACCOUNT) is not None


def test_only_an_account_here_becomes_a_test_account() -> None:
    world = World()
    with pytest.raises(NotFound):
        partner_test_accounts.add(world.uow, world.clock, ACCOUNT, "operator-1")
    account = world.uow.add_account("teacher00001")
    partner_test_accounts.add(world.uow, world.clock, account.account_id, "operator-1")
    partner_test_accounts.add(world.uow, world.clock, account.account_id, "operator-1")
    assert partner_test_accounts.all_ids(world.uow) == [account.account_id]
    partner_test_accounts.remove(world.uow, account.account_id)
    with pytest.raises(NotFound):
        partner_test_accounts.remove(world.uow, account.account_id)
