"""No clear national ID at rest in sso (R-ACC-4, issue 8 item 6): a name typed for no
account — a national ID typed into the login field, a county user name (some counties
use the national ID) — is kept in the login records and the lockout counters only as a
keyed digest (HMAC-SHA-256 under PAIRWISE_KEY, "<purpose>\\x00<name>"); a known
account's record names it by its login name."""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC

from sqlalchemy import insert, select

from services.sso.adapters.tables.sign_ins import login_records, login_throttle
from services.sso.handlers.sign_in_records import digest_clear_names

NATIONAL_ID = "A123456789"


def attempt(sso, browser, username, password):
    page = browser.get(sso.url + "/login")
    return browser.submit(page, sso.url + "/login", username=username, password=password)


def expected_digest(sso, purpose: str, name: str) -> str:
    """Written out from the documented form, not taken from the code under test."""
    key = sso.dependencies.config.pairwise_secret
    return "hmac-sha256:" + hmac.new(key, f"{purpose}\x00{name}".encode(), hashlib.sha256).hexdigest()


def stored_text(sso) -> str:
    """Every login record and lockout key, as one text to search."""
    with sso.dependencies.database.session() as session:
        records = session.execute(select(login_records)).all()
        keys = session.scalars(select(login_throttle.c.login_key)).all()
    return json.dumps([[str(value) for value in row] for row in records] + list(keys))


def test_a_national_id_typed_as_login_is_kept_only_as_a_keyed_digest(sso, browser) -> None:
    teacher = sso.teacher("teacher00001")
    attempt(sso, browser, f" {NATIONAL_ID} ", "some password here")
    attempt(sso, browser, "  TEACHER00001", "a wrong password")
    attempt(sso, browser, teacher.login, teacher.password)
    with sso.dependencies.database.session() as session:
        rows = session.execute(select(login_records.c.login, login_records.c.account_id,
                                      login_records.c.outcome).order_by(login_records.c.id)).all()
    assert [tuple(row) for row in rows] == [
        (expected_digest(sso, "login-name", NATIONAL_ID.lower()), None, "failure"),
        ("teacher00001", teacher.account_id, "failure"),  # the account's name, not the spelling
        ("teacher00001", teacher.account_id, "success"),
    ]
    assert NATIONAL_ID.lower() not in stored_text(sso).lower()


def test_records_from_before_are_digested_once_by_a_command(sso, browser) -> None:
    teacher = sso.teacher("teacher00001")
    now = sso.dependencies.clock.now()
    old = [  # as the earlier version wrote them
        {"login": NATIONAL_ID, "account_id": None, "method": "password", "county_code": None},
        {"login": f"TPE:{NATIONAL_ID}", "account_id": None, "method": "county_service",
         "county_code": "TPE"},
        {"login": "teacher00001", "account_id": teacher.account_id, "method": "password",
         "county_code": None},
    ]
    with sso.dependencies.database.session() as session:
        session.execute(insert(login_records), [
            {**row, "at": now, "outcome": "failure"} for row in old])
    assert digest_clear_names(sso.dependencies.database, sso.dependencies.name_digests,
                              batch_size=1) == {
        "digested": 2, "changed_meanwhile": 0, "remaining": 0}
    with sso.dependencies.database.session() as session:
        logins = session.scalars(select(login_records.c.login).order_by(login_records.c.id)).all()
    assert logins == [expected_digest(sso, "login-name", NATIONAL_ID.lower()),
                      expected_digest(sso, "county-user-name\x00TPE", NATIONAL_ID.lower()),
                      "teacher00001"]
    # Once is enough: a second run finds nothing.
    assert digest_clear_names(sso.dependencies.database, sso.dependencies.name_digests)["digested"] == 0


def test_the_migration_names_known_accounts_by_their_login_and_drops_typed_counters(tmp_path) -> None:
    from datetime import datetime

    from alembic import command
    from sqlalchemy import text

    from servicekit.db import Database
    from servicekit.migrations import alembic_config
    from services.sso.bootstrap import DEFINITION
    database = Database(f"sqlite:///{tmp_path / 'sso.sqlite3'}")
    config = alembic_config(DEFINITION.migrations_dir, database)
    try:
        command.upgrade(config, "0003")
        at = datetime(2026, 12, 1, tzinfo=UTC).isoformat()
        with database.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO account_replica (account_id, login, kind, status, display_name,"
                " version, updated_at) VALUES ('a-1', 'teacher00001', 'teacher', 'enabled',"
                " 'T', 1, :at)"), {"at": at})
            connection.execute(text(
                "INSERT INTO login_records (at, login, account_id, method, outcome) VALUES"
                " (:at, 'TEACHER00001', 'a-1', 'password', 'failure'),"
                " (:at, 'A123456789', NULL, 'password', 'failure')"), {"at": at})
            connection.execute(text(
                "INSERT INTO login_throttle (login_key, attempts, window_started_at) VALUES"
                " ('password:a123456789', 1, :at)"), {"at": at})
        command.upgrade(config, "head")
        with database.engine.connect() as connection:
            logins = connection.execute(text("SELECT login FROM login_records ORDER BY id")).scalars().all()
            keys = connection.execute(text("SELECT login_key FROM login_throttle")).scalars().all()
        # The clear name of no account is left to digest-login-records (it needs the key).
        assert logins == ["teacher00001", "A123456789"] and keys == []
    finally:
        database.dispose()
