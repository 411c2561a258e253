"""How a big import is carried out, R-ACC-3 and R-ACC-1. A file is imported chunk by
chunk (each chunk is checked while the database stores the one before), and the report,
the stored teachers and the events are those of the whole file at once: duplicates found
across chunks, known teachers updated, rows out of scope refused; an import refused
half-way leaves nothing behind, even with a COPY still under way on PostgreSQL. The
report's JSON and the national-ID hashes made in bulk are those made one by one."""
from __future__ import annotations

import json

import pytest
from accounts_helpers import (
    OPERATOR,
    outbox_count,
    outbox_events,
    refusal,
    reviewer,
    schools,
    teacher_id,
    vault,
    work,
)
from sqlalchemy import select

from contracts.events.accounts import ACCOUNT_CREATED
from servicekit.errors import ApplicationError
from services.accounts.adapters.national_id_vault import NationalIdVault
from services.accounts.adapters.orm import accounts as accounts_table
from services.accounts.domain.teachers import RowOutcome
from services.accounts.handlers import teacher_import
from services.accounts.handlers.teacher_import import ImportReport, import_rows


def teacher(number: int, school: str = "353301", **fields) -> dict:
    return {"national_id": teacher_id(number), "name": f"教師{number}", "school_code": school,
            "email": f"t{number}@school.example", **fields}


def stored(runtime) -> dict[str, str]:
    """login → display name, every account."""
    with runtime.database.engine.connect() as connection:
        return dict(connection.execute(select(accounts_table.c.login,
                                              accounts_table.c.display_name)).all())


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def runtime(request, monkeypatch):
    monkeypatch.setattr(teacher_import, "CHUNK_ROWS", 3)
    runtime = request.getfixturevalue("accounts" if request.param == "sqlite" else "pg_accounts")
    schools(runtime)
    return runtime


def test_a_file_in_many_chunks_is_reported_as_one(runtime) -> None:
    import_rows(work(runtime), runtime.clock, vault(runtime),
                OPERATOR, [(1, teacher(9))])  # teacher00001, known from now on
    events = outbox_count(runtime)
    report = import_rows(work(runtime), runtime.clock, vault(runtime), reviewer("TPE"), enumerate([
        teacher(1),
        teacher(2),                          # the same person as row 8, two chunks later
        teacher(3, name="  "),               # no name: its national ID counts for nothing
        teacher(4),
        teacher(5, school="193601"),         # Taichung's school, not the reviewer's
        teacher(9, name="改名"),              # known: updated
        teacher(3),                          # row 3's person, this time valid: created
        teacher(2, name="又一次"),
        teacher(6),
        teacher(7),
    ], start=1))
    assert [(r.row, r.status, r.reason, r.login) for r in report.rows] == [
        (1, "created", None, "teacher00002"),
        (2, "rejected", "duplicate-national-id", None),
        (3, "rejected", "invalid-name", None),
        (4, "created", None, "teacher00003"),
        (5, "rejected", "unit-outside-authority", None),
        (6, "updated", None, "teacher00001"),
        # Rows whose national ID is in another row too are written after all the others.
        (7, "created", None, "teacher00006"),
        (8, "rejected", "duplicate-national-id", None),
        (9, "created", None, "teacher00004"),
        (10, "created", None, "teacher00005"),
    ]
    assert report.rows[1].detail == "the same national ID is in rows 8"
    assert report.rows[7].detail == "the same national ID is in rows 2"
    assert stored(runtime) == {"teacher00001": "改名", "teacher00002": "教師1",
                               "teacher00003": "教師4", "teacher00004": "教師6",
                               "teacher00005": "教師7", "teacher00006": "教師3"}
    created = outbox_events(runtime, "accounts.account.created.v1")[1:]
    assert sorted(e["data"]["login"] for e in created) == [
        "teacher00002", "teacher00003", "teacher00004", "teacher00005", "teacher00006"]
    assert outbox_count(runtime) == events + 6  # five created, one updated


def test_an_import_refused_in_a_later_chunk_leaves_nothing(runtime) -> None:
    [known] = import_rows(work(runtime), runtime.clock, vault(runtime), OPERATOR, [(1, teacher(9))]).rows
    before, events = stored(runtime), outbox_count(runtime)
    with pytest.raises(ApplicationError) as refused:  # the first chunk is already on its way
        import_rows(work(runtime), runtime.clock, vault(runtime), OPERATOR, enumerate(
            [teacher(1), teacher(2), teacher(3), teacher(4), teacher(9)], start=1), only_new=True)
    assert (refusal(refused.value).status, refused.value.slug) == (409, "teacher-exists")
    assert refusal(refused.value).extensions["account_id"] == known.account_id
    assert stored(runtime) == before and outbox_count(runtime) == events
    again = import_rows(work(runtime), runtime.clock, vault(runtime),
                        OPERATOR, enumerate([teacher(1), teacher(2)], start=1))
    assert [r.login for r in again.rows] == ["teacher00002", "teacher00003"]


def test_a_failure_while_a_chunk_is_being_stored_leaves_nothing(runtime, monkeypatch) -> None:
    real = teacher_import.check_row

    def breaks_on_row_5(number, raw):
        if number == 5:  # checked while the first chunk's COPY is still open
            raise RuntimeError("the import's process fails")
        return real(number, raw)
    monkeypatch.setattr(teacher_import, "check_row", breaks_on_row_5)
    events = outbox_count(runtime)
    with pytest.raises(RuntimeError):
        import_rows(work(runtime), runtime.clock, vault(runtime),
                    OPERATOR, enumerate([teacher(n) for n in range(1, 7)], start=1))
    assert stored(runtime) == {} and outbox_count(runtime) == events
    monkeypatch.setattr(teacher_import, "check_row", real)
    again = import_rows(work(runtime), runtime.clock, vault(runtime),
                        OPERATOR, enumerate([teacher(1), teacher(2)], start=1))
    assert [r.login for r in again.rows] == ["teacher00001", "teacher00002"]


def test_the_report_json_is_what_json_dumps_makes_of_the_rows() -> None:
    rows = [RowOutcome(2, "created", "5f0c9d1e-0000-4000-8000-000000000001", "teacher00001"),
            RowOutcome(3, "rejected", reason="invalid-name",
                       detail='a name of 1–100 characters is required: "\\ \t\n\x01 王'),
            RowOutcome(100000, "unchanged", "5f0c9d1e-0000-4000-8000-000000000002", "t")]
    expected = [
        {"row": 2, "status": "created", "account_id": "5f0c9d1e-0000-4000-8000-000000000001",
         "login": "teacher00001", "reason": None, "detail": None},
        {"row": 3, "status": "rejected", "account_id": None, "login": None,
         "reason": "invalid-name",
         "detail": 'a name of 1–100 characters is required: "\\ \t\n\x01 王'},
        {"row": 100000, "status": "unchanged",
         "account_id": "5f0c9d1e-0000-4000-8000-000000000002", "login": "t", "reason": None,
         "detail": None}]
    assert ImportReport(rows).rows_json() == json.dumps(
        expected, ensure_ascii=False, separators=(",", ":")).encode()
    assert ImportReport([]).rows_json() == b"[]"


def test_hashes_made_in_bulk_are_the_hashes_made_one_by_one() -> None:
    vault = NationalIdVault("hash key " * 8, "encryption key " * 8)
    numbers = [teacher_id(n) for n in range(1, 50)] + ["", "Ａ１２３", "Z" * 200]
    assert vault.lookup_hash_many(iter(numbers)) == [vault.lookup_hash(n) for n in numbers]
    assert NationalIdVault("another key " * 8, "encryption key " * 8).lookup_hash_many(
        numbers[:1]) != vault.lookup_hash_many(numbers[:1])


def test_events_still_being_stored_are_abandoned_with_the_transaction(runtime) -> None:
    from servicekit.bus.bulk_outbox import SpotCheckedBulkOutbox
    before = outbox_count(runtime)
    events = SpotCheckedBulkOutbox(runtime.outbox)
    events.add_many(ACCOUNT_CREATED, [{
        "account_id": f"5f0c9d1e-0000-4000-8000-{n:012d}", "login": f"teacher{n:05d}",
        "kind": "teacher", "status": "enabled", "display_name": "王", "email": None,
        "unit_code": "353301", "authority_code": None, "county_code": "TPE", "version": 1}
        for n in range(300)])
    with pytest.raises(RuntimeError):
        with runtime.database.session() as session, events.writing(session) as count:
            assert count == 300
            raise RuntimeError("the report could not be made")
    assert outbox_count(runtime) == before


def test_the_cycle_collector_is_paused_during_an_import_and_resumed_after(runtime, monkeypatch) -> None:
    import gc
    real, seen = teacher_import.check_row, []

    def watched(number, raw):
        seen.append(gc.isenabled())
        if number == 2:
            raise RuntimeError("the import's process fails")
        return real(number, raw)
    monkeypatch.setattr(teacher_import, "check_row", watched)
    assert gc.isenabled()
    import_rows(work(runtime), runtime.clock, vault(runtime), OPERATOR, [(1, teacher(1))])
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        import_rows(work(runtime), runtime.clock, vault(runtime),
                    OPERATOR, enumerate([teacher(2), teacher(3)], start=1))
    assert gc.isenabled() and seen == [False, False, False]
