"""The accounts service's business metrics (issue 13 point 7, R-OPS-2): each teacher file
or batch counted by source and outcome, and its rows by status, once the import committed;
one teacher made by hand is not an import."""
from __future__ import annotations

import pytest
from accounts_helpers import OPERATOR, csv_file, schools, teacher_id, vault, work
from prometheus_client import REGISTRY

from servicekit.errors import ApplicationError
from services.accounts.handlers.teacher_import import import_file, import_rows


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def imports() -> dict[tuple[str, str], float]:
    return {(source, outcome): value("inservice_teacher_imports_total", source=source,
                                     outcome=outcome)
            for source in ("file", "batch") for outcome in ("applied", "refused")}


def imported_rows() -> dict[str, float]:
    return {status: value("inservice_teacher_import_rows_total", status=status)
            for status in ("created", "updated", "unchanged", "rejected")}


def changes(before: dict, after: dict) -> dict:
    return {key: after[key] - before[key] for key in after if after[key] != before[key]}


@pytest.fixture
def runtime(accounts):
    schools(accounts)
    return accounts


def test_files_and_batches_are_counted_with_their_rows(runtime) -> None:
    before, rows_before = imports(), imported_rows()
    data = csv_file([[teacher_id(n), f"教師{n}", "353301", f"t{n}@school.example"]
                     for n in range(1, 4)] + [["not-an-id", "教師", "353301", ""]])
    import_file(work(runtime), runtime.clock, vault(runtime), OPERATOR, "teachers.csv", data)
    import_file(work(runtime), runtime.clock, vault(runtime), OPERATOR, "teachers.csv", data)
    with pytest.raises(ApplicationError):
        import_file(work(runtime), runtime.clock, vault(runtime), OPERATOR, "t.csv", b"")
    assert changes(before, imports()) == {("file", "applied"): 2, ("file", "refused"): 1}
    assert changes(rows_before, imported_rows()) == {"created": 3, "unchanged": 3,
                                                     "rejected": 2}


def test_one_teacher_by_hand_is_not_an_import(runtime) -> None:
    before, rows_before = imports(), imported_rows()
    import_rows(work(runtime), runtime.clock, vault(runtime), OPERATOR,
                [(1, {"national_id": teacher_id(9), "name": "教師9", "school_code": "353301"})],
                only_new=True)
    assert imports() == before and imported_rows() == rows_before
