"""``announce-accounts`` (issue 13, item 1): every account's ``account.created`` told
again for a service that subscribes later (stats counts accounts opened per county and
unit), at the moment the account was opened, with ids derived from the account so a
second run publishes the same ids, and never a national ID."""
from __future__ import annotations

import json

import pytest
from accounts_helpers import OPERATOR, outbox_events, schools, teacher_id, vault, work
from sqlalchemy import delete, select
from test_accounts_teacher_import import teacher

from contracts.events.accounts import ACCOUNT_CREATED
from servicekit.bus.announce import stable_id
from servicekit.bus.tables import outbox
from services.accounts.adapters.orm import accounts as accounts_table
from services.accounts.handlers.announce import announce_accounts
from services.accounts.handlers.teacher_import import import_rows


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def runtime(request):
    """The outbox write differs: one executemany on SQLite, one JSON document on PostgreSQL."""
    made = request.getfixturevalue("accounts" if request.param == "sqlite" else "pg_accounts")
    schools(made)
    return made


def test_every_account_is_announced_at_its_opening_with_stable_ids(runtime) -> None:
    import_rows(work(runtime), runtime.clock, vault(runtime), OPERATOR,
                list(enumerate([teacher(n, "353301" if n % 2 else "193601")
                                for n in range(1, 6)], start=1)))
    live = outbox_events(runtime, ACCOUNT_CREATED)
    with runtime.database.session() as session:  # relayed and tidied away
        session.execute(delete(outbox))
        opened = dict(session.execute(select(accounts_table.c.account_id,
                                             accounts_table.c.created_at)).all())
    assert announce_accounts(runtime.components.unit_of_work, batch=2) == {"accounts": len(opened)}
    told = outbox_events(runtime, ACCOUNT_CREATED)
    assert len(told) == len(opened) >= 5
    assert sorted(e["data"]["account_id"] for e in told) == sorted(str(a) for a in opened)
    for event in told:
        account_id = event["data"]["account_id"]
        assert event["id"] == stable_id(ACCOUNT_CREATED, account_id)
        assert event["time"].startswith(
            next(at for a, at in opened.items() if str(a) == account_id).isoformat()[:19])
    by_id = {e["data"]["account_id"]: e["data"] for e in told}
    for event in live:  # the same data the account was opened with (nothing changed since)
        assert by_id[event["data"]["account_id"]] == event["data"]
    body = json.dumps(told, ensure_ascii=False)
    assert all(teacher_id(n) not in body for n in range(1, 6))  # no national ID
    assert "national_id" not in body
    # Again: the outbox holds those ids, nothing new; the ids are the fact's, not the run's.
    announce_accounts(runtime.components.unit_of_work, batch=2)
    assert sorted(e["id"] for e in outbox_events(runtime, ACCOUNT_CREATED)) == sorted(
        e["id"] for e in told)
