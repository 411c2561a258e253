"""R-ACC-1: "national ID stored as a keyed hash (HMAC-SHA256, key from settings)" — and the
key can be replaced: with the old key set as the previous one, imports and lookups still
match teachers stored under it, ``rehash-national-ids`` moves every row to the new key
(batch by batch, resumable, never over a concurrent change, even once the previous key is
gone), and afterwards the new key alone finds everyone."""
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
    lookup,
    make_runtime,
    outbox_count,
    schools,
    teacher_id,
    vault,
    work,
)
from sqlalchemy import func, select, update

from servicekit.service import Runtime
from services.accounts.adapters.national_id_vault import NationalIdVault
from services.accounts.adapters.orm import accounts as accounts_table
from services.accounts.adapters.sealed_national_ids import SealedNationalIds
from services.accounts.bootstrap import DEFINITION
from services.accounts.handlers import hash_rotation
from services.accounts.handlers.hash_rotation import rehash_national_ids
from services.accounts.handlers.teacher_import import ImportReport, import_rows

ROOT = Path(__file__).resolve().parents[2]
HASH_A = "test-national-id-hash-key-A-" * 3
HASH_B = "test-national-id-hash-key-B-" * 3
ENCRYPTION = "test-national-id-encryption-key-" * 3
OTHER_ENCRYPTION = "test-national-id-encryption-key-never-configured-" * 2

Factory = Callable[..., Runtime]


@pytest.fixture
def runtime_with(embedded) -> Factory:
    """``runtime_with(hash_key, previous=None)``: the accounts service on one data folder
    (one SQLite file, one encryption key) as it runs with those hash keys configured."""
    def make(hash_key: str, previous: str | None = None) -> Runtime:
        return embedded(DEFINITION, NATIONAL_ID_HASH_KEY=hash_key,
                        NATIONAL_ID_ENCRYPTION_KEY=ENCRYPTION,
                        **({} if previous is None else {"NATIONAL_ID_PREVIOUS_HASH_KEY": previous}))
    return make


# Each teacher's name goes with the number, whatever row it is sent in.
NAMES = {teacher_id(n): f"教師{n}" for n in range(1, 100)}


def numbers(count: int) -> list[str]:
    return [teacher_id(n) for n in range(1, count + 1)]


def send(runtime: Runtime, ids: list[str]) -> ImportReport:
    """A county's file of these teachers, the same every time it is sent."""
    return import_rows(work(runtime), runtime.clock, vault(runtime), OPERATOR, enumerate(
        [{"national_id": number, "name": NAMES[number], "school_code": "353301"}
         for number in ids], start=1))


def imported(runtime: Runtime, ids: list[str]) -> dict[str, str]:
    """National ID → account id of the teachers created by sending ``ids``."""
    report = send(runtime, ids)
    assert report.counts["created"] == len(ids), report.counts
    return {number: row.account_id for number, row in zip(ids, report.rows, strict=True)}


def teacher_count(runtime: Runtime) -> int:
    with runtime.database.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(accounts_table)
                                 .where(accounts_table.c.kind == "teacher")) or 0


def stored_hashes(runtime: Runtime) -> dict[str, bytes]:
    with runtime.database.engine.connect() as connection:
        return {str(row.account_id): bytes(row.national_id_hash) for row in connection.execute(
            select(accounts_table.c.account_id, accounts_table.c.national_id_hash)
            .where(accounts_table.c.kind == "teacher"))}


def hash_under(secret: str, number: str) -> bytes:
    return NationalIdVault(secret, ENCRYPTION).lookup_hash(number)


def found(runtime: Runtime, ids: list[str]) -> dict[str, str | None]:
    """National ID → the account id ``lookup`` answers (None: not found)."""
    answers = lookup(runtime, OPERATOR, ids)
    return {number: answer.get("account_id") for number, answer in zip(ids, answers, strict=True)}


def assert_resent_unchanged(runtime: Runtime, ids: list[str]) -> None:
    teachers, events = teacher_count(runtime), outbox_count(runtime)
    report = send(runtime, ids)
    assert report.counts == {"created": 0, "updated": 0, "unchanged": len(ids), "rejected": 0}
    assert (teacher_count(runtime), outbox_count(runtime)) == (teachers, events)


def rehash_result(rehashed: int, already_current: int, **others) -> dict:
    return {"rehashed": rehashed, "already_current": already_current, "changed_meanwhile": 0,
            "unreadable": 0, "unreadable_account_ids": [], "conflicts": 0,
            "conflicting_accounts": [], **others}


def test_the_previous_key_is_derived_like_the_current_one() -> None:
    """R-ACC-1: the previous key's hash is the hash the key made when it was current; the
    current hash comes first; the same secret twice is one key, not a rotation."""
    number = teacher_id(1)
    rotating = NationalIdVault(HASH_B, ENCRYPTION, previous_hash_secret=HASH_A)
    assert rotating.has_previous_hash_key
    assert rotating.lookup_hashes(number) == (hash_under(HASH_B, number), hash_under(HASH_A, number))
    assert rotating.lookup_hash(number) == hash_under(HASH_B, number)
    assert hash_under(HASH_A, number) != hash_under(HASH_B, number)
    for alone in (NationalIdVault(HASH_B, ENCRYPTION),
                  NationalIdVault(HASH_B, ENCRYPTION, previous_hash_secret=HASH_B)):
        assert not alone.has_previous_hash_key
        assert alone.lookup_hashes(number) == (hash_under(HASH_B, number),)


def test_with_the_previous_key_imports_and_lookups_find_every_teacher(runtime_with) -> None:
    """R-ACC-1: teachers stored under key A, the service switched to key B with A as the
    previous key: the file sent again finds them all unchanged (no duplicate, no event),
    a lookup finds them in order, and a new teacher is written under B."""
    under_a = runtime_with(HASH_A)
    schools(under_a)
    ids = numbers(5)
    teachers = imported(under_a, ids)
    rotating = runtime_with(HASH_B, HASH_A)
    assert_resent_unchanged(rotating, ids)
    asked = [ids[3], "A123456788", ids[0], teacher_id(99), *ids[1:3], ids[4]]
    answers = lookup(rotating, OPERATOR, asked)
    assert answers[1]["found"] is False and answers[1]["problem"].startswith("invalid-national-id")
    assert answers[3] == {"found": False}
    assert [a.get("account_id") for a in answers] == [
        teachers[ids[3]], None, teachers[ids[0]], None, teachers[ids[1]], teachers[ids[2]],
        teachers[ids[4]]]
    newcomer = teacher_id(6)
    [created] = send(rotating, [newcomer]).rows
    assert stored_hashes(rotating)[created.account_id] == hash_under(HASH_B, newcomer)
    assert all(stored_hashes(rotating)[teachers[n]] == hash_under(HASH_A, n) for n in ids)


def test_the_command_moves_every_hash_and_then_the_new_key_alone_suffices(runtime_with) -> None:
    """R-ACC-1: the rehash writes every teacher's hash under key B; a second run writes
    none; with the previous key removed every teacher is still found and unchanged."""
    under_a = runtime_with(HASH_A)
    schools(under_a)
    ids = numbers(5)
    teachers = imported(under_a, ids)
    rotating = runtime_with(HASH_B, HASH_A)
    assert rehash_national_ids(rotating).as_dict() == rehash_result(5, 0)
    assert stored_hashes(rotating) == {teachers[n]: hash_under(HASH_B, n) for n in ids}
    assert rehash_national_ids(rotating).as_dict() == rehash_result(0, 5)
    after = runtime_with(HASH_B)
    assert found(after, ids) == teachers
    assert_resent_unchanged(after, ids)


def test_without_the_previous_key_lookups_miss_until_the_command_repairs_the_rows(runtime_with) -> None:
    """R-ACC-1: key B alone (the previous key dropped too early) finds none of the
    teachers stored under A — a file sent now would create every one again — and the
    command, needing only the current hash key, repairs the rows so that it finds them."""
    under_a = runtime_with(HASH_A)
    schools(under_a)
    ids = numbers(4)
    teachers = imported(under_a, ids)
    dropped = runtime_with(HASH_B)
    assert found(dropped, ids) == dict.fromkeys(ids)
    assert rehash_national_ids(dropped).as_dict() == rehash_result(4, 0)
    assert found(dropped, ids) == teachers
    assert_resent_unchanged(dropped, ids)


def test_a_teacher_created_twice_is_a_conflict_left_alone(runtime_with) -> None:
    """R-ACC-1: a file sent under key B alone before the rehash creates duplicates; their
    old rows cannot take the hash the new rows hold (unique index): the run reports both
    account ids, leaves those rows, and still rewrites the others in the same batch."""
    under_a = runtime_with(HASH_A)
    schools(under_a)
    ids = numbers(5)
    teachers = imported(under_a, ids)
    dropped = runtime_with(HASH_B)
    twice = [ids[1], ids[3]]
    duplicates = imported(dropped, twice)
    before = stored_hashes(dropped)
    result = rehash_national_ids(dropped)
    conflicts = sorted([{"account_id": teachers[n], "duplicate_of": duplicates[n]} for n in twice],
                       key=lambda pair: pair["account_id"])
    assert result.as_dict() == rehash_result(3, 2, conflicts=2, conflicting_accounts=conflicts)
    after = stored_hashes(dropped)
    assert all(after[teachers[n]] == before[teachers[n]] for n in twice)
    assert all(after[teachers[n]] == hash_under(HASH_B, n) for n in ids if n not in twice)
    again = rehash_national_ids(dropped)
    assert (again.rehashed, again.already_current, again.conflicts) == (0, 5, 2)


def test_batches_smaller_than_the_teachers_cover_them_all(runtime_with, monkeypatch) -> None:
    """R-ACC-1: 7 teachers in batches of 3 are three reads (3, 3, 1), each after the last
    account id of the one before, and every hash is moved."""
    under_a = runtime_with(HASH_A)
    schools(under_a)
    ids = numbers(7)
    teachers = imported(under_a, ids)
    rotating = runtime_with(HASH_B, HASH_A)
    reads: list[tuple[uuid.UUID | None, int]] = []
    original = SealedNationalIds.every

    def recording(self, after, limit):
        rows = original(self, after, limit)
        reads.append((after, len(rows)))
        return rows

    monkeypatch.setattr(SealedNationalIds, "every", recording)
    assert rehash_national_ids(rotating, batch_size=3).rehashed == 7
    ordered = sorted(uuid.UUID(i) for i in teachers.values())
    assert reads == [(None, 3), (ordered[2], 3), (ordered[5], 1)]
    assert stored_hashes(rotating) == {teachers[n]: hash_under(HASH_B, n) for n in ids}


def test_a_run_that_stops_midway_is_finished_by_the_next(runtime_with, monkeypatch) -> None:
    """R-ACC-1: batches commit one by one; a run failing in its third batch keeps the first
    two, and the next run rewrites only the rest."""
    under_a = runtime_with(HASH_A)
    schools(under_a)
    ids = numbers(6)
    teachers = imported(under_a, ids)
    rotating = runtime_with(HASH_B, HASH_A)
    restore = database_lost_at_call(monkeypatch, SealedNationalIds, "rehash", 5)
    with pytest.raises(ConnectionError):
        rehash_national_ids(rotating, batch_size=2)
    current = {teachers[n]: hash_under(HASH_B, n) for n in ids}
    assert sum(current[i] == h for i, h in stored_hashes(rotating).items()) == 4
    restore()
    assert rehash_national_ids(rotating, batch_size=2).as_dict() == rehash_result(2, 4)
    assert stored_hashes(rotating) == current


def test_a_hash_changed_since_it_was_read_is_not_overwritten(runtime_with, monkeypatch) -> None:
    """R-ACC-1: the update holds only while the row has the hash that was read: a row
    rewritten in between (here: by another run) is counted and left as that wrote it."""
    under_a = runtime_with(HASH_A)
    schools(under_a)
    ids = numbers(3)
    teachers = imported(under_a, ids)
    rotating = runtime_with(HASH_B, HASH_A)
    moved = ids[1]
    original = SealedNationalIds.every

    def rewritten_after_the_read(self, after, limit):
        rows = original(self, after, limit)
        self.session.execute(update(accounts_table)
                             .where(accounts_table.c.account_id == uuid.UUID(teachers[moved]))
                             .values(national_id_hash=hash_under(HASH_B, moved)))
        return rows

    monkeypatch.setattr(SealedNationalIds, "every", rewritten_after_the_read)
    result = rehash_national_ids(rotating)
    assert result.as_dict() == rehash_result(2, 0, changed_meanwhile=1)
    assert stored_hashes(rotating) == {teachers[n]: hash_under(HASH_B, n) for n in ids}


def test_rows_under_an_encryption_key_not_configured_are_reported_and_left(runtime_with, monkeypatch) -> None:
    """R-ACC-1: a ciphertext that does not open here cannot be rehashed: counted, named up
    to the limit, left as it is; the others are moved."""
    monkeypatch.setattr(hash_rotation, "MAX_LISTED", 2)
    under_a = runtime_with(HASH_A)
    schools(under_a)
    ids = numbers(6)
    teachers = imported(under_a, ids)
    lost = sorted(teachers[n] for n in ids[1:4])
    with under_a.database.session() as session:
        for number, account_id in teachers.items():
            if account_id in lost:
                sealed = NationalIdVault(HASH_A, OTHER_ENCRYPTION).seal(account_id, number)
                session.execute(update(accounts_table)
                                .where(accounts_table.c.account_id == uuid.UUID(account_id))
                                .values(national_id_key_id=sealed.key_id,
                                        national_id_ciphertext=sealed.ciphertext))
    rotating = runtime_with(HASH_B, HASH_A)
    result = rehash_national_ids(rotating, batch_size=2)
    assert result.as_dict() == rehash_result(3, 0, unreadable=3, unreadable_account_ids=lost[:2])
    after = stored_hashes(rotating)
    assert all(after[teachers[n]] == hash_under(HASH_A, n) for n in ids if teachers[n] in lost)
    assert found(rotating, ids) == teachers  # still found, through the previous key


def run_command(tmp_path: Path, *args: str, previous: str | None = HASH_A,
                check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, DATA_DIR=str(tmp_path), LOG_LEVEL="INFO",
               ACCOUNTS_NATIONAL_ID_HASH_KEY=HASH_B,
               ACCOUNTS_NATIONAL_ID_ENCRYPTION_KEY=ENCRYPTION)
    env.pop("ACCOUNTS_NATIONAL_ID_PREVIOUS_HASH_KEY", None)
    if previous is not None:
        env["ACCOUNTS_NATIONAL_ID_PREVIOUS_HASH_KEY"] = previous
    return subprocess.run([sys.executable, "-m", "services.accounts", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60, check=check)


def test_the_command_line_prints_json_and_never_a_national_id(runtime_with, tmp_path) -> None:
    """R-ACC-1: ``python -m services.accounts rehash-national-ids --batch N`` as an operator
    runs it: JSON counts on stdout, a log line per batch, no national ID in either; run
    again once the previous key is removed it finds nothing left to do."""
    under_a = runtime_with(HASH_A)
    schools(under_a)
    ids = numbers(3)
    teachers = imported(under_a, ids)
    ran = run_command(tmp_path, "rehash-national-ids", "--batch", "2")
    assert json.loads(ran.stdout) == rehash_result(3, 0)
    assert "national ID hashes moved to the current key" in ran.stderr
    for number in ids:
        assert number not in ran.stdout and number not in ran.stderr
    assert found(runtime_with(HASH_B), ids) == teachers
    again = run_command(tmp_path, "rehash-national-ids", previous=None)
    assert json.loads(again.stdout) == rehash_result(0, 3)
    refused = run_command(tmp_path, "rehash-national-ids", "--batch", "0", check=False)
    assert refused.returncode == 2 and "0 is not a positive number" in refused.stderr


@pytest.mark.postgres
def test_a_hash_key_rotation_on_postgres(make_database) -> None:
    """R-ACC-1 on PostgreSQL: teachers written with COPY under key A, a duplicate written
    under B alone; with A as the previous key the file sent again is unchanged (the bulk
    lookup of both hashes); the rehash in batches moves all but the duplicate's old row —
    the unique violation stays in its savepoint, the batch commits — and key B alone then
    finds everyone."""
    url = make_database("accounts")
    production = {"MODE": "production", "DATABASE_URL": url, "TOKEN_ISSUER": "https://inservice.test", "JWKS_URL": "http://127.0.0.1:9/jwks.json",
                  "NATIONAL_ID_ENCRYPTION_KEY": ENCRYPTION}
    under_a = make_runtime({**production, "NATIONAL_ID_HASH_KEY": HASH_A})
    only_b = make_runtime({**production, "NATIONAL_ID_HASH_KEY": HASH_B})
    rotating = make_runtime({**production, "NATIONAL_ID_HASH_KEY": HASH_B,
                             "NATIONAL_ID_PREVIOUS_HASH_KEY": HASH_A})
    try:
        schools(under_a)
        ids = numbers(25)
        teachers = imported(under_a, ids)
        twice = ids[10]
        [duplicate] = imported(only_b, [twice]).values()
        assert_resent_unchanged(rotating, ids)
        expected = {**teachers, twice: duplicate}
        assert found(rotating, ids) == expected
        result = rehash_national_ids(rotating, batch_size=7)
        assert result.as_dict() == rehash_result(24, 1, conflicts=1, conflicting_accounts=[
            {"account_id": teachers[twice], "duplicate_of": duplicate}])
        again = rehash_national_ids(rotating, batch_size=7)
        assert (again.rehashed, again.already_current, again.conflicts) == (0, 25, 1)
        assert found(only_b, ids) == expected
        assert_resent_unchanged(only_b, ids)
    finally:
        for runtime in (under_a, only_b, rotating):
            runtime.database.dispose()
