"""The import on real PostgreSQL: COPY into the tables, the temporary table and one
UPDATE … FROM for changes, an advisory lock between imports; and the migrations make
exactly the tables the code declares, on PostgreSQL and on SQLite."""
from __future__ import annotations

import threading
import uuid

import pytest
from accounts_helpers import (
    OPERATOR,
    csv_file,
    outbox_count,
    outbox_events,
    reviewer,
    schools,
    teacher_id,
    vault,
    work,
)
from sqlalchemy import func, select

from contracts.events import CATALOGUE
from servicekit.errors import ApplicationError
from services.accounts.adapters.orm import accounts as accounts_table
from services.accounts.adapters.orm import teacher_past_schools
from services.accounts.handlers.national_ids import export_national_ids
from services.accounts.handlers.teacher_import import import_file, import_rows

pytestmark = pytest.mark.postgres


HEADER = ["national_id", "name", "school_code", "email", "since"]


def rows(count: int, school: str = "353301", start: int = 1) -> list[list[str]]:
    return [[teacher_id(n), f"教師{n}", school, f"t{n}@school.example", "2015-08-01"]
            for n in range(start, start + count)]


def test_a_file_imported_with_copy_then_resent_then_changed(pg_accounts) -> None:
    schools(pg_accounts)
    before = outbox_count(pg_accounts)
    created = import_file(work(pg_accounts), pg_accounts.clock, vault(pg_accounts),
                          OPERATOR, "t.csv", csv_file(rows(1000), HEADER))
    assert created.counts == {"created": 1000, "updated": 0, "unchanged": 0, "rejected": 0}
    assert outbox_count(pg_accounts) == before + 1000
    events = outbox_events(pg_accounts, "accounts.account.created.v1")
    for event in events:
        CATALOGUE.validate_data(event["type"], event["data"])
    assert events[999]["data"]["login"] == "teacher01000"

    again = import_file(work(pg_accounts), pg_accounts.clock, vault(pg_accounts),
                        OPERATOR, "t.csv", csv_file(rows(1000), HEADER))
    assert again.counts["unchanged"] == 1000 and outbox_count(pg_accounts) == before + 1000

    changed = rows(1000)
    changed[0][1] = "改名"
    for row in changed[500:]:
        row[2:] = ["413601", row[3], "2017-08-01"]  # 500 teachers move school
    report = import_file(work(pg_accounts), pg_accounts.clock, vault(pg_accounts),
                         OPERATOR, "t.csv", csv_file(changed, HEADER))
    assert report.counts == {"created": 0, "updated": 501, "unchanged": 499, "rejected": 0}
    assert len(outbox_events(pg_accounts, "accounts.teacher.school_changed.v1")) == 500
    with pg_accounts.database.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(teacher_past_schools)) == 500
        assert connection.scalar(select(accounts_table.c.display_name).where(
            accounts_table.c.login == "teacher00001")) == "改名"
    exported = export_national_ids(work(pg_accounts), pg_accounts.clock, vault(pg_accounts),
                                   OPERATOR, [uuid.UUID(report.rows[700].account_id)],
                                   "核對教師身分，測試 COPY 寫入的密文")
    assert exported["teachers"][0]["national_id"] == teacher_id(701)


def test_rejections_and_scope_on_postgres(pg_accounts) -> None:
    schools(pg_accounts)
    report = import_rows(work(pg_accounts), pg_accounts.clock, vault(pg_accounts), reviewer("TPE"), enumerate([
        {"national_id": teacher_id(1), "name": "王", "school_code": "193601"},
        {"national_id": "A123456788", "name": "王", "school_code": "353301"},
        {"national_id": teacher_id(2), "name": "林", "school_code": "353301"}], start=1))
    assert [(r.status, r.reason) for r in report.rows] == [
        ("rejected", "unit-outside-authority"), ("rejected", "invalid-national-id"),
        ("created", None)]


def test_two_imports_at_once_create_each_teacher_once(pg_accounts) -> None:
    schools(pg_accounts)
    data = csv_file(rows(300), HEADER)
    reports, errors = [], []

    def run() -> None:
        try:
            reports.append(import_file(work(pg_accounts), pg_accounts.clock, vault(pg_accounts),
                                       OPERATOR, "t.csv", data))
        except Exception as error:  # pragma: no cover - shown by the assertion below
            errors.append(error)
    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(r.counts["created"] for r in reports) == [0, 300]
    assert sorted(r.counts["unchanged"] for r in reports) == [0, 300]


def test_a_teacher_changed_by_hand_during_an_import_fails_it_whole(pg_accounts, monkeypatch) -> None:
    from services.accounts.adapters import teacher_writers
    from services.accounts.handlers.teachers import update_teacher
    schools(pg_accounts)
    [row] = import_file(work(pg_accounts), pg_accounts.clock, vault(pg_accounts),
                        OPERATOR, "t.csv", csv_file(rows(1), HEADER)).rows
    real = teacher_writers.PostgresTeacherWriter.existing

    def meanwhile(self, hashes):
        known = real(self, hashes)  # the import has read; another request commits a rename
        worker = threading.Thread(target=update_teacher, args=(
            work(pg_accounts), pg_accounts.clock, OPERATOR, uuid.UUID(row.account_id),
            {"display_name": "手改"}))
        worker.start()
        worker.join(10)
        assert not worker.is_alive(), "the hand change waited for the import: rows are locked"
        return known
    monkeypatch.setattr(teacher_writers.PostgresTeacherWriter, "existing", meanwhile)
    events = outbox_count(pg_accounts)
    changed = rows(2)
    changed[0][1] = "檔案改"
    with pytest.raises(ApplicationError) as refused:
        import_file(work(pg_accounts), pg_accounts.clock, vault(pg_accounts),
                    OPERATOR, "t.csv", csv_file(changed, HEADER))
    assert refused.value.slug == "concurrent-change"
    assert outbox_count(pg_accounts) == events + 1  # the hand change's event only
    with pg_accounts.database.engine.connect() as connection:
        assert connection.execute(select(accounts_table.c.display_name)).scalars().all() == ["手改"]
