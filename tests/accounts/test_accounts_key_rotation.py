"""R-ACC-1: "encrypted copy (AES-GCM, key from settings, key id stored for rotation)" — a
rotation finished by ``reencrypt-national-ids``: every teacher re-sealed under the current
key, batch by batch, resumable, never over a concurrent change, unreadable rows named and
left alone, and the national IDs still exported right afterwards."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from accounts_helpers import (
    OPERATOR,
    database_lost_at_call,
    make_runtime,
    schools,
    teacher_id,
    vault,
    work,
)
from sqlalchemy import select, update

from servicekit.service import Runtime
from services.accounts.adapters.national_id_vault import NationalIdVault, Sealed
from services.accounts.adapters.orm import accounts as accounts_table
from services.accounts.adapters.sealed_national_ids import SealedNationalIds
from services.accounts.bootstrap import DEFINITION
from services.accounts.handlers.key_rotation import reencrypt_national_ids
from services.accounts.handlers.national_ids import export_national_ids
from services.accounts.handlers.teacher_import import import_rows

ROOT = Path(__file__).resolve().parents[2]
# No spaces at the ends: the retired list is split on commas and each secret stripped.
KEY_A = "test-national-id-encryption-key-A-" * 2
KEY_B = "test-national-id-encryption-key-B-" * 2
KEY_UNKNOWN = "test-national-id-encryption-key-never-configured-" * 2
REASON = "核對教師身分：金鑰輪替後的測試"

Factory = Callable[..., Runtime]


@pytest.fixture
def runtime_with(embedded) -> Factory:
    """``runtime_with(key, *retired, **settings)``: the accounts service on one data folder
    (one SQLite file, one hash key), as it runs with those encryption keys configured."""
    def make(key: str, *retired: str, **settings: str) -> Runtime:
        return embedded(DEFINITION, NATIONAL_ID_ENCRYPTION_KEY=key,
                        NATIONAL_ID_RETIRED_ENCRYPTION_KEYS=",".join(retired), **settings)
    return make


def add_teachers(runtime: Runtime, count: int, start: int = 1) -> dict[uuid.UUID, str]:
    """``count`` new teachers: account id → national ID."""
    numbers = [teacher_id(n) for n in range(start, start + count)]
    report = import_rows(work(runtime), runtime.clock, vault(runtime), OPERATOR, enumerate(
        [{"national_id": number, "name": f"教師{n}", "school_code": "353301"}
         for n, number in enumerate(numbers, start=start)], start=1))
    assert report.counts["created"] == count, report.counts
    return {uuid.UUID(row.account_id): number for row, number in zip(report.rows, numbers, strict=True)}


def sealed_rows(runtime: Runtime) -> dict[uuid.UUID, Sealed]:
    with runtime.database.engine.connect() as connection:
        return {row.account_id: Sealed(row.national_id_key_id, bytes(row.national_id_ciphertext))
                for row in connection.execute(
                    select(accounts_table.c.account_id, accounts_table.c.national_id_key_id,
                           accounts_table.c.national_id_ciphertext)
                    .where(accounts_table.c.kind == "teacher"))}


def exported(runtime: Runtime, teachers: dict[uuid.UUID, str]) -> dict[uuid.UUID, str]:
    answer = export_national_ids(work(runtime), runtime.clock, vault(runtime), OPERATOR, list(teachers), REASON)
    return {t["account_id"]: t["national_id"] for t in answer["teachers"]}


def seal_under(runtime: Runtime, account_id: uuid.UUID, number: str, secret: str) -> Sealed:
    """What a row looks like when it was sealed under ``secret``."""
    sealed = NationalIdVault("unused hash key " * 3, secret).seal(str(account_id), number)
    with runtime.database.session() as session:
        session.execute(update(accounts_table).where(accounts_table.c.account_id == account_id)
                        .values(national_id_key_id=sealed.key_id,
                                national_id_ciphertext=sealed.ciphertext))
    return sealed


def test_after_a_key_change_every_teacher_is_resealed_and_still_exported(runtime_with) -> None:
    """R-ACC-1: the rotation re-seals every ciphertext under the new key with a fresh nonce;
    the export reads the right numbers with the old key retired, and once it is gone."""
    under_a = runtime_with(KEY_A)
    schools(under_a)
    teachers = add_teachers(under_a, 5)
    before = sealed_rows(under_a)
    key_a = under_a.components.vault.current_key_id
    assert {sealed.key_id for sealed in before.values()} == {key_a}

    rotated = runtime_with(KEY_B, KEY_A)
    key_b = rotated.components.vault.current_key_id
    assert key_b != key_a
    result = reencrypt_national_ids(rotated)
    assert result.as_dict() == {"current_key_id": key_b, "already_current": 0, "reencrypted": 5,
                                "changed_meanwhile": 0, "unreadable": 0,
                                "unreadable_account_ids": [], "remaining": 0}
    after = sealed_rows(rotated)
    assert {sealed.key_id for sealed in after.values()} == {key_b}
    assert all(after[i].ciphertext[:12] != before[i].ciphertext[:12] for i in teachers)
    assert exported(rotated, teachers) == teachers

    without_a = runtime_with(KEY_B)
    assert exported(without_a, teachers) == teachers


def test_a_second_run_changes_nothing(runtime_with) -> None:
    """R-ACC-1: a finished rotation run again reports everything already current."""
    under_a = runtime_with(KEY_A)
    schools(under_a)
    add_teachers(under_a, 3)
    rotated = runtime_with(KEY_B, KEY_A)
    assert reencrypt_national_ids(rotated).reencrypted == 3
    resealed = sealed_rows(rotated)
    again = reencrypt_national_ids(rotated)
    assert (again.reencrypted, again.already_current, again.remaining) == (0, 3, 0)
    assert sealed_rows(rotated) == resealed


def test_batches_smaller_than_the_rows_cover_them_all(runtime_with, monkeypatch) -> None:
    """R-ACC-1: 7 teachers in batches of 3 are three reads (3, 3, 1), each after the last
    account id of the one before."""
    under_a = runtime_with(KEY_A)
    schools(under_a)
    teachers = add_teachers(under_a, 7)
    rotated = runtime_with(KEY_B, KEY_A)
    reads: list[tuple[uuid.UUID | None, int]] = []
    original = SealedNationalIds.not_under

    def recording(self, key_id, after, limit):
        rows = original(self, key_id, after, limit)
        reads.append((after, len(rows)))
        return rows

    monkeypatch.setattr(SealedNationalIds, "not_under", recording)
    result = reencrypt_national_ids(rotated, batch_size=3)
    assert (result.reencrypted, result.remaining) == (7, 0)
    ordered = sorted(teachers)
    assert reads == [(None, 3), (ordered[2], 3), (ordered[5], 1)]
    assert exported(rotated, teachers) == teachers


def test_a_run_that_stops_midway_is_continued_by_the_next(runtime_with, monkeypatch) -> None:
    """R-ACC-1: batches commit one by one; a run that fails in its third batch keeps the
    first two, and the next run re-seals only what is left."""
    under_a = runtime_with(KEY_A)
    schools(under_a)
    teachers = add_teachers(under_a, 6)
    rotated = runtime_with(KEY_B, KEY_A)
    restore = database_lost_at_call(monkeypatch, SealedNationalIds, "replace", 5)
    with pytest.raises(ConnectionError):
        reencrypt_national_ids(rotated, batch_size=2)
    key_b = rotated.components.vault.current_key_id
    assert sum(s.key_id == key_b for s in sealed_rows(rotated).values()) == 4
    restore()
    resumed = reencrypt_national_ids(rotated, batch_size=2)
    assert (resumed.already_current, resumed.reencrypted, resumed.remaining) == (4, 2, 0)
    assert exported(rotated, teachers) == teachers


def test_a_row_changed_since_it_was_read_is_not_overwritten(runtime_with) -> None:
    """R-ACC-1: the update holds only while the row still has the ciphertext that was read
    (an import or an edit in between wins)."""
    under_a = runtime_with(KEY_A)
    schools(under_a)
    teachers = add_teachers(under_a, 1)
    [(account_id, number)] = teachers.items()
    rotated = runtime_with(KEY_B, KEY_A)
    vault = rotated.components.vault
    with rotated.database.session() as session:
        [row] = SealedNationalIds(session).not_under(vault.current_key_id, None, 10)
    meanwhile = seal_under(rotated, account_id, number, KEY_A)  # re-written by another change
    with rotated.database.session() as session:
        assert not SealedNationalIds(session).replace(account_id, row.sealed,
                                                      vault.reseal(str(account_id), row.sealed))
    assert sealed_rows(rotated)[account_id] == meanwhile


def test_rows_under_a_key_not_configured_are_reported_and_left_alone(runtime_with, monkeypatch) -> None:
    """R-ACC-1: a key retired too early is not a crash and not a silent skip: the rows are
    counted, named (up to the limit) and unchanged; the others are re-sealed."""
    from servicekit import batches
    monkeypatch.setattr(batches, "MAX_LISTED", 2)
    under_a = runtime_with(KEY_A)
    schools(under_a)
    teachers = add_teachers(under_a, 6)
    lost = sorted(teachers)[1:4]
    for account_id in lost:
        seal_under(under_a, account_id, teachers[account_id], KEY_UNKNOWN)
    before = sealed_rows(under_a)
    rotated = runtime_with(KEY_B, KEY_A)
    result = reencrypt_national_ids(rotated, batch_size=2)
    assert (result.reencrypted, result.unreadable, result.remaining) == (3, 3, 3)
    assert result.unreadable_account_ids == [str(i) for i in lost[:2]]
    after = sealed_rows(rotated)
    assert all(after[i] == before[i] for i in lost)
    readable = {i: n for i, n in teachers.items() if i not in lost}
    assert exported(rotated, readable) == readable
    again = reencrypt_national_ids(rotated, batch_size=2)
    assert (again.reencrypted, again.unreadable) == (0, 3)


def run_command(tmp_path: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, DATA_DIR=str(tmp_path), LOG_LEVEL="INFO",
               ACCOUNTS_NATIONAL_ID_ENCRYPTION_KEY=KEY_B,
               ACCOUNTS_NATIONAL_ID_RETIRED_ENCRYPTION_KEYS=KEY_A)
    return subprocess.run([sys.executable, "-m", "services.accounts", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60, check=check)


def test_the_command_line_prints_json_and_never_a_national_id(runtime_with, tmp_path) -> None:
    """R-ACC-1: ``python -m services.accounts reencrypt-national-ids --batch N`` as an
    operator runs it; its output and its log name key ids and counts, no number."""
    under_a = runtime_with(KEY_A)
    schools(under_a)
    teachers = add_teachers(under_a, 3)
    ran = run_command(tmp_path, "reencrypt-national-ids", "--batch", "2")
    result = json.loads(ran.stdout)
    rotated = runtime_with(KEY_B, KEY_A)
    assert result["current_key_id"] == rotated.components.vault.current_key_id
    assert (result["reencrypted"], result["unreadable"], result["remaining"]) == (3, 0, 0)
    assert "national IDs re-encrypted" in ran.stderr
    for number in teachers.values():
        assert number not in ran.stdout and number not in ran.stderr
    assert exported(rotated, teachers) == teachers
    again = json.loads(run_command(tmp_path, "reencrypt-national-ids").stdout)
    assert (again["reencrypted"], again["already_current"]) == (0, 3)


def test_the_command_line_refuses_a_batch_that_is_not_positive(tmp_path) -> None:
    refused = run_command(tmp_path, "reencrypt-national-ids", "--batch", "0", check=False)
    assert refused.returncode == 2 and "0 is not a positive number" in refused.stderr


@pytest.mark.postgres
def test_a_rotation_on_postgres(make_database) -> None:
    """R-ACC-1 on PostgreSQL: teachers written with COPY under key A, re-sealed under B in
    batches (keyset on the uuid primary key), exported right, a second run changes nothing."""
    url = make_database("accounts")
    production = {"MODE": "production", "DATABASE_URL": url, "TOKEN_ISSUER": "https://inservice.test", "JWKS_URL": "http://127.0.0.1:9/jwks.json",
                  "NATIONAL_ID_HASH_KEY": "test hash key " * 4}
    under_a = make_runtime({**production, "NATIONAL_ID_ENCRYPTION_KEY": KEY_A})
    rotated = make_runtime({**production, "NATIONAL_ID_ENCRYPTION_KEY": KEY_B,
                            "NATIONAL_ID_RETIRED_ENCRYPTION_KEYS": KEY_A})
    try:
        schools(under_a)
        teachers = add_teachers(under_a, 25)
        lost = sorted(teachers)[10]
        seal_under(under_a, lost, teachers[lost], KEY_UNKNOWN)
        result = reencrypt_national_ids(rotated, batch_size=7)
        assert (result.reencrypted, result.unreadable, result.remaining) == (24, 1, 1)
        assert result.unreadable_account_ids == [str(lost)]
        readable = {i: n for i, n in teachers.items() if i != lost}
        assert exported(rotated, readable) == readable
        again = reencrypt_national_ids(rotated, batch_size=7)
        assert (again.reencrypted, again.already_current, again.unreadable) == (0, 24, 1)
    finally:
        under_a.database.dispose()
        rotated.database.dispose()
