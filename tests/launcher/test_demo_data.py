"""Demo data on request (issue 15 item 2; R-OPS-3): ``DEMO_DATA=1`` seeds ``make up`` on
real servers with the embedded default's demo set, through each service's own seed
(``python -m services.<name> seed-demo``); production refuses it before anything starts.

A refusal at start: exit status 2 and ``make up: DEMO_DATA is refused with
MODE=production: …`` on stderr; ``seed-demo`` in production: exit 1 and a sentence."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from launcher.demo import DemoDataRefused, wants_demo_data
from servicekit.bus.tables import outbox
from servicekit.cli import main
from servicekit.service import Runtime
from servicekit.settings import Settings
from servicekit.testing.runtimes import purge_queues, relay_all
from services.accounts.adapters.orm import accounts as accounts_table
from services.accounts.adapters.orm import role_grants
from services.accounts.bootstrap import DEFINITION as ACCOUNTS
from services.sso.adapters.passwords import hasher_with
from services.sso.adapters.tables.accounts import accounts as replica
from services.sso.adapters.tables.clients import clients
from services.sso.adapters.tables.credentials import credentials, password_changes
from services.sso.bootstrap import DEFINITION as SSO
from services.sso.config import DEMO_ARGON2

ROOT = Path(__file__).resolve().parents[2]

# The demo set (services/accounts/demo_data.py), by hand: 500 teachers, a business account
# for each of 5 units, a reviewer for each of 4 authorities, one operator.
DEMO_LOGINS = 500 + 5 + 4 + 1
SOME_DEMO_STAFF = {("operator", "staff", "operator", None, None),
                   ("reviewer-tpe", "staff", "reviewer", None, "TPE"),
                   ("reviewer-k12ea", "staff", "reviewer", None, "K12EA"),
                   ("biz-353301", "business", "business", "353301", None),
                   ("biz-tpe-tsc", "business", "business", "TPE-TSC", None)}


@pytest.mark.parametrize("environ, real_servers, expected", [
    ({}, False, True),                                   # the embedded default seeds
    ({}, True, False),                                   # real servers do not, unless asked
    ({"DEMO_DATA": "1"}, True, True),
    ({"DEMO_DATA": "yes"}, True, True),
    ({"DEMO_DATA": "0"}, False, False),                  # an empty embedded platform
    ({"MODE": "production"}, False, False),
    ({"MODE": "production", "DEMO_DATA": "0"}, True, False),
])
def test_when_make_up_seeds(environ, real_servers, expected) -> None:
    assert wants_demo_data(environ, real_servers) is expected


@pytest.mark.parametrize("environ", [{"MODE": "production", "DEMO_DATA": "1"},
                                     {"SSO_MODE": "production", "DEMO_DATA": "true"},
                                     {"DEMO_DATA": "maybe"}])
def test_demo_data_refused_in_production_or_unreadable(environ) -> None:
    with pytest.raises(DemoDataRefused):
        wants_demo_data(environ, real_servers=True)


@pytest.mark.e2e  # make up, as a process
def test_make_up_refuses_demo_data_in_production_before_starting_anything(tmp_path) -> None:
    env = dict(os.environ, MODE="production", DEMO_DATA="1", DATA_DIR=str(tmp_path),
               BROKER_URL="amqp://guest:guest@127.0.0.1:9/",  # nothing there: never reached
               DATABASE_URL="postgresql://postgres@127.0.0.1:9/platform_{service}")
    started = time.monotonic()
    up = subprocess.run([sys.executable, "-m", "launcher"], cwd=ROOT, env=env,
                        capture_output=True, text=True, check=False, timeout=60)
    assert up.returncode == 2
    assert up.stderr.startswith("make up: DEMO_DATA is refused with MODE=production: demo logins")
    assert "Traceback" not in up.stderr and "The platform is up" not in up.stdout
    assert time.monotonic() - started < 30


def test_seed_demo_refuses_production(monkeypatch, capsys) -> None:
    for name, value in {"MODE": "production", "DATABASE_URL": "sqlite:///:memory:",
                        "TOKEN_ISSUER": "https://inservice.test",
                        "JWKS_URL": "https://inservice.test/jwks.json"}.items():
        monkeypatch.setenv(name, value)
    assert main(ACCOUNTS, ["seed-demo"]) == 1
    assert "seed-demo: refused in production mode" in capsys.readouterr().err


# -- the same demo set on PostgreSQL, by the command, as by the embedded seed ----------------
def account_rows(runtime: Runtime) -> set[tuple]:
    with runtime.database.engine.connect() as connection:
        return {tuple(row) for row in connection.execute(select(
            accounts_table.c.login, accounts_table.c.kind, accounts_table.c.status,
            accounts_table.c.display_name, accounts_table.c.email, accounts_table.c.unit_code,
            accounts_table.c.authority_code))}


def grant_rows(runtime: Runtime) -> set[tuple]:
    with runtime.database.engine.connect() as connection:
        return {tuple(row) for row in connection.execute(select(
            accounts_table.c.login, accounts_table.c.kind, role_grants.c.role,
            role_grants.c.unit_code, role_grants.c.authority_code)
            .join(role_grants, role_grants.c.account_id == accounts_table.c.account_id))}


def snapshot(accounts: Runtime, sso: Runtime) -> dict[str, object]:
    with accounts.database.engine.connect() as connection:
        events = connection.execute(select(outbox.c.event_id)).all()
    with sso.database.engine.connect() as connection:
        passwords = connection.execute(select(credentials.c.account_id,
                                              credentials.c.password_hash)).all()
        changes = connection.execute(select(password_changes.c.id)).all()
        partners = connection.execute(select(clients.c.client_id, clients.c.version)).all()
    return {"accounts": account_rows(accounts), "grants": grant_rows(accounts),
            "events": sorted(events), "passwords": sorted(passwords),
            "password_changes": len(changes), "clients": sorted(partners)}


def deliver(accounts: Runtime, sso: Runtime) -> None:
    """The accounts relay and the sso consumer, as the running processes do."""
    relay_all(accounts)
    [subscription] = sso.subscriptions()
    reader = sso.open_reader(subscription)
    try:
        while batch := reader.next_batch(500, 0.3):
            assert sso.consumer(subscription).process(reader, batch).dead_lettered == 0
    finally:
        reader.close()


@pytest.mark.postgres
def test_seed_demo_on_postgresql_gives_the_embedded_demo_set_once(
        embedded, make_database, monkeypatch, capsys, tmp_path) -> None:
    reference = embedded(ACCOUNTS)
    ACCOUNTS.seed_demo(reference)

    environ = {"DATA_DIR": str(tmp_path / "servers"), "SSO_DEMO_SEED_TIMEOUT_SECONDS": "60",
               "ACCOUNTS_DATABASE_URL": make_database("accounts"),
               "SSO_DATABASE_URL": make_database("sso")}
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    accounts = Runtime(ACCOUNTS, Settings.from_env("accounts"))
    sso = Runtime(SSO, Settings.from_env("sso"))
    try:
        assert main(ACCOUNTS, ["migrate"]) == 0 and main(SSO, ["migrate"]) == 0
        purge_queues(sso)
        assert main(ACCOUNTS, ["seed-demo"]) == 0
        deliver(accounts, sso)
        assert main(SSO, ["seed-demo"]) == 0
        capsys.readouterr()

        assert account_rows(accounts) == account_rows(reference)
        assert grant_rows(accounts) == grant_rows(reference)
        assert len(account_rows(accounts)) == DEMO_LOGINS
        assert SOME_DEMO_STAFF <= grant_rows(accounts)
        with sso.database.engine.connect() as connection:
            hashes = dict(connection.execute(select(replica.c.login, credentials.c.password_hash)
                                             .join(credentials, credentials.c.account_id
                                                   == replica.c.account_id)).all())
            enabled = set(connection.scalars(select(clients.c.client_id)
                                             .where(clients.c.status == "enabled")))
        assert len(hashes) == DEMO_LOGINS
        demo_hasher = hasher_with(DEMO_ARGON2)
        for login in ("operator", "teacher00001", "teacher00500", "biz-353301", "reviewer-tpe"):
            assert demo_hasher.verify(hashes[login], f"demo-{login}"), login
        assert {"demo-partner", "web"} <= enabled

        # A second start of make up: nothing new, nothing changed.
        before = snapshot(accounts, sso)
        assert main(ACCOUNTS, ["seed-demo"]) == 0
        deliver(accounts, sso)
        assert main(SSO, ["seed-demo"]) == 0
        assert snapshot(accounts, sso) == before
    finally:
        purge_queues(sso)
        accounts.database.dispose()
        sso.database.dispose()


# -- make up on real servers: the seeds run once every process answers ------------------------
@pytest.mark.parametrize("demo_data", [True, False])
def test_make_up_on_real_servers_seeds_after_every_process_answers(demo_data, monkeypatch) -> None:
    from launcher import processes

    steps: list[str] = []
    monkeypatch.setattr(processes, "service_environments",
                        lambda environ, names: {name: {"SERVICE": name} for name in names})
    monkeypatch.setattr(processes, "ensure_database", lambda url: None)
    monkeypatch.setattr(processes, "wait_until_answering",
                        lambda url, *_: steps.append(f"answers {url.split(':')[-1]}"))
    monkeypatch.setattr(processes.ProcessPlatform, "_run_once",
                        lambda self, service, command, environ, *args, stdin=None: steps.append(
                            " ".join([service, command, *args, "as", environ["SERVICE"]])))
    monkeypatch.setattr(processes, "client_secret", lambda service, environ: "s" * 40)
    monkeypatch.setattr(processes.ProcessPlatform, "_spawn",
                        lambda self, name, args, environ: steps.append(f"spawn {name}"))
    processes.ProcessPlatform({}, demo_data=demo_data).start()

    last_answer = max(i for i, step in enumerate(steps) if step.startswith("answers"))
    assert steps[last_answer + 1:] == (["accounts seed-demo as accounts", "sso seed-demo as sso",
                                        "courses seed-demo as courses"] if demo_data else [])
    assert not any("seed-demo" in step for step in steps[:last_answer])
    # The services' own clients at sso before any process starts (issue 12 item 5).
    first_spawn = min(i for i, step in enumerate(steps) if step.startswith("spawn"))
    assert "sso register-service-client transfer as sso" in steps[:first_spawn]
