"""R-CRS-11 on the domain and handlers alone: a transcript's entries, totals by year and
tag, and its CSV (one per teacher; formulas kept as text)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from closing_fakes import TEACHERS, FakeCoursesUnitOfWork, clock, teacher

from services.courses.domain.transcripts import Entry
from services.courses.handlers import transcripts


def entry(key: str, hours: str, ends_on: date, tags: tuple[str, ...] = (),
          source: str = "network", title: str = "研習") -> Entry:
    return Entry(source, key, Decimal(hours), title, "建國中學", ends_on, ends_on, tags)


def a_transcript() -> FakeCoursesUnitOfWork:
    uow = FakeCoursesUnitOfWork()
    for account, item in [
            (TEACHERS[0], entry("a", "3", date(2025, 12, 31), ("性別平等教育",))),
            (TEACHERS[0], entry("b", "2.5", date(2026, 1, 1), ("性別平等教育", "環境教育"))),
            (TEACHERS[0], entry("r-9", "6", date(2026, 3, 1), source="NWT", title="=HYPERLINK()")),
            (TEACHERS[1], entry("c", "40", date(2026, 3, 1)))]:
        uow.transcripts.put(account, item, 1, clock().now())
    return uow


def test_entries_and_totals_by_year_and_tag() -> None:
    answer = transcripts.mine(a_transcript(), teacher(0), None, None)
    assert [(e.record_key, e.hours) for e in answer["entries"]] == \
        [("a", Decimal("3")), ("b", Decimal("2.5")), ("r-9", Decimal("6"))]
    assert answer["total_hours"] == Decimal("11.5")
    assert answer["by_year"] == [{"year": 2025, "hours": Decimal("3")},
                                 {"year": 2026, "hours": Decimal("8.5")}]
    assert answer["by_tag"] == [{"tag": "性別平等教育", "hours": Decimal("5.5")},
                                {"tag": "環境教育", "hours": Decimal("2.5")}]


def test_filtered_by_year_and_by_tag() -> None:
    uow = a_transcript()
    assert transcripts.mine(uow, teacher(0), 2026, None)["total_hours"] == Decimal("8.5")
    assert transcripts.mine(uow, teacher(0), None, "環境教育")["total_hours"] == Decimal("2.5")


def test_a_teacher_sees_only_their_own() -> None:
    assert transcripts.mine(a_transcript(), teacher(2), None, None)["entries"] == []


def test_the_csv_has_a_row_per_entry_a_total_and_no_formula() -> None:
    text = transcripts.as_csv(transcripts.mine(a_transcript(), teacher(0), None, None))
    assert text.startswith("\ufeffdate,starts_on,title,hours,source,organiser,tags\r\n")
    lines = text.splitlines()
    assert lines[1] == "2025-12-31,2025-12-31,研習,3.0,network,建國中學,性別平等教育"
    assert lines[3] == "2026-03-01,2026-03-01,'=HYPERLINK(),6.0,NWT,建國中學,"
    assert lines[-1] == "total,,,11.5,,,"
