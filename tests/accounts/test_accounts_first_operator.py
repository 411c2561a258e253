"""The first operator's use case on PostgreSQL (issue 15 item 1; R-ACC-2, R-OPS-3): two runs
at the same moment on an empty platform make one operator, not two — the second finds
the first one's and refuses (409 ``urn:inservice:problem:operator-exists``)."""
from __future__ import annotations

import threading

import pytest
from accounts_helpers import refusal, work

from servicekit.errors import ApplicationError
from services.accounts.adapters.operator_bootstraps import OperatorBootstraps
from services.accounts.handlers.first_operator import bootstraps, create_operator

pytestmark = pytest.mark.postgres


def test_two_runs_at_once_make_one_operator(pg_accounts, monkeypatch) -> None:
    # Each run pauses after looking for operators until the other has looked too (or 2 s):
    # without the lock both would find none and both make one.
    both_looked = threading.Barrier(2)
    look = OperatorBootstraps.enabled_holders

    def look_then_wait(self, role):
        found = look(self, role)
        try:
            both_looked.wait(timeout=2)
        except threading.BrokenBarrierError:
            pass
        return found
    monkeypatch.setattr(OperatorBootstraps, "enabled_holders", look_then_wait)

    outcomes: dict[str, object] = {}

    def run(login: str) -> None:
        try:
            outcomes[login] = create_operator(work(pg_accounts), pg_accounts.clock,
                                              login, login, f"{login}@moe.example.tw",
                                              run_by="t", os_user="t", host="h").login
        except ApplicationError as problem:
            outcomes[login] = refusal(problem).type
    threads = [threading.Thread(target=run, args=(login,)) for login in ("ops.a", "ops.b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    made = [value for value in outcomes.values() if value in ("ops.a", "ops.b")]
    refused = [value for value in outcomes.values() if value not in made]
    assert len(made) == 1 and refused == ["urn:inservice:problem:operator-exists"], outcomes
    assert sorted(b.outcome for b in bootstraps(work(pg_accounts))) == ["created", "refused"]
