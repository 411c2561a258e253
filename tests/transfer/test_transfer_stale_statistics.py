"""The two lookups every chunk of a file makes on PostgreSQL — the kept rows by their
(course, account) pairs and the duplicate rule's probe (R-TRF-3, R-TRF-11) — are
planned key by key even when the statistics were taken while the tables were empty, as
after the first rows of a new year or a new source: planned as a plain join, they read
every row the source has in the partition, a cost that grows with each chunk until the
next ``ANALYZE``. The plans are asked with ``EXPLAIN`` (no timing)."""
from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text

from services.transfer.adapters.duplicates_repo import Duplicates, _probe
from services.transfer.adapters.records_repo import (
    _COMPARED,
    _PAIRS_OF_YEAR,
    _SUMMARIES,
    RecordRepository,
    _live_courses,
    pairs_by_course,
)
from services.transfer.domain.records import Attendance
from services.transfer.domain.titles import title_digest

pytestmark = pytest.mark.postgres

SOURCE, YEAR, COURSES, PER_COURSE = "tpe-edu", 2026, 50, 100
START = date(YEAR, 3, 2)


def _filled_after_empty_statistics(api, other_courses: int = 0) -> list[tuple[str, str]]:
    """50 courses and their 5,000 attendance rows (and ``other_courses`` courses of the
    same organiser and day without any) written after both tables were analyzed empty;
    the rows' (course key, account) pairs."""
    pairs = [(f"C-{c}", str(uuid.UUID(int=c * PER_COURSE + n + 1, version=4)))
             for c in range(COURSES) for n in range(PER_COURSE)]
    now = datetime(YEAR, 3, 2, tzinfo=UTC)
    with api.runtime.database.session() as session:
        records = RecordRepository(session)
        records.ensure_years([YEAR])
        for table in ("transfer_courses", "transfer_attendance"):
            session.execute(text(f"ANALYZE {table}"))
        records.add_courses([
            {"source": SOURCE, "course_key": f"C-{c}", "start_year": YEAR, "digest": "0" * 32,
             "title": _title(f"C-{c}"), "title_digest": title_digest(_title(f"C-{c}")),
             "organiser_unit_code": "313301", "county_code": "TPE", "start_date": START,
             "end_date": START, "hours": "3", "class_type": "研習", "category": "語文",
             "tags": [], "lecturers": [], "trial": False, "version": 1,
             "withdrawn_reason": None, "updated_at": now}
            for c in [*range(COURSES), *range(-other_courses, 0)]])
        records.add_attendance([
            {"source": SOURCE, "course_key": course_key, "account_id": account,
             "start_year": YEAR, "digest": _row(course_key).digest(account),
             "teacher_name": "教師",
             "school_code": "313502", "hours": "3", "completed_on": START, "trial": False,
             "version": 1, "withdrawn_reason": None, "updated_at": now}
            for course_key, account in pairs])
        session.commit()
    return pairs


def _row(course_key: str, name: str = "教師") -> Attendance:
    """A row as sent of what ``_filled_after_empty_statistics`` keeps (``name``: another)."""
    return Attendance(course_key, "A123456789", name, "313502", Decimal("3.0"), START)


def _title(course_key: str) -> str:
    return f"研習 {course_key}"


def _place(course_key: str, account: str) -> tuple[str, date, str, str]:
    return ("313301", START, title_digest(_title(course_key)), account)


def _plan(api, statement: Any, parameters: dict[str, Any]) -> str:
    with api.runtime.database.session() as session:
        compiled = statement.compile(dialect=session.get_bind().dialect)
        raw = session.connection().connection.driver_connection
        with raw.cursor() as cursor:
            # The statement's own bound values (a LIMIT's), then those given.
            cursor.execute(f"EXPLAIN {compiled}", {**compiled.params, **parameters})
            return "\n".join(row[0] for row in cursor.fetchall())


def _keyed_by_the_rows_asked(plan: str) -> None:
    assert "Hash" not in plan, plan
    assert "Seq Scan on transfer_attendance" not in plan, plan
    assert "Seq Scan on transfer_courses" not in plan, plan
    assert plan.splitlines()[0].lstrip().startswith(("Nested Loop", "Sort")), plan


def test_the_pairs_lookup_probes_the_key_of_each_pair_whatever_the_statistics(pg_api) -> None:
    pairs = _filled_after_empty_statistics(pg_api)
    plan = _plan(pg_api, _PAIRS_OF_YEAR, {
        "pairs": pairs_by_course(pairs[:3000]), "source": SOURCE, "year": YEAR})
    _keyed_by_the_rows_asked(plan)
    with pg_api.runtime.database.session() as session:  # and it still answers each pair
        found = RecordRepository(session).attendance_states(
            SOURCE, [*pairs[:3], ("C-0", str(uuid.uuid4()))], {"C-0": YEAR})
    assert sorted(found) == sorted(pairs[:3])


def test_the_duplicate_probe_probes_the_index_per_key_whatever_the_statistics(pg_api) -> None:
    pairs = _filled_after_empty_statistics(pg_api, other_courses=5_000)
    plan = _plan(pg_api, *_probe("ntpc-edu", [_place(*pair) for pair in pairs[:3000]]))
    _keyed_by_the_rows_asked(plan)
    # Each place by the courses' place index (its year's partition's).
    scan = next(line for line in plan.splitlines() if "on transfer_courses" in line)
    assert "Index Scan using transfer_courses_y2026_organiser_unit_code" in scan, plan
    place = _place(*pairs[0])
    with pg_api.runtime.database.session() as session:  # another source's record is named
        assert Duplicates(session).matches("ntpc-edu", [place]) == {place: (SOURCE, "C-0")}
        assert Duplicates(session).matches(SOURCE, [place]) == {}


def test_the_comparison_of_digests_probes_the_key_of_each_pair_whatever_the_statistics(
        pg_api) -> None:
    """The file's own lookup (``compare_attendance``): each course's accounts and digests
    probed key by key, and only what is not kept or differs answered."""
    pairs = _filled_after_empty_statistics(pg_api)
    document = json.dumps([{"course_key": f"C-{c}",
                            "accounts": [a for k, a in pairs[:3000] if k == f"C-{c}"],
                            "digests": ["0" * 32] * PER_COURSE} for c in range(30)])
    plan = _plan(pg_api, _COMPARED, {"pairs": document, "source": SOURCE, "year": YEAR})
    # The courses drive: each reads its own rows by the primary key (its accounts then
    # hashed or probed), never the source's whole partition.
    assert "Seq Scan" not in plan and plan.startswith("Nested Loop"), plan
    scan = next(line for line in plan.splitlines() if "on transfer_attendance" in line)
    assert "Index Scan using transfer_attendance_y2026_pkey" in scan, plan
    assert "(course_key)::text = wanted.course_key" in plan.split(scan, 1)[1].splitlines()[1], plan
    unknown = str(uuid.uuid4())
    with pg_api.runtime.database.session() as session:
        differing, missing = RecordRepository(session).compare_attendance(SOURCE, [
            (*pairs[0], _row("C-0")), (*pairs[1], _row("C-0", "改名")),
            ("C-0", unknown, _row("C-0"))], {"C-0": YEAR})
    assert missing == {("C-0", unknown)}  # pairs[0] is kept unchanged: in neither
    assert list(differing) == [pairs[1]]
    assert differing[pairs[1]].digest == _row("C-0").digest(pairs[1][1])  # what is kept


def test_each_course_is_summed_up_by_its_range_of_the_key_whatever_the_statistics(
        pg_api) -> None:
    """The comparison's first question (``_SUMMARIES``): each course's kept records read by
    its own range of the primary key, never the source's whole partition."""
    _filled_after_empty_statistics(pg_api)
    plan = _plan(pg_api, _SUMMARIES, {"course_keys": [f"C-{c}" for c in range(30)],
                                      "source": SOURCE, "year": YEAR})
    assert "Seq Scan" not in plan and "Hash" not in plan and plan.startswith("Nested Loop"), plan
    scan = next(line for line in plan.splitlines() if "on transfer_attendance" in line)
    assert "Index" in scan and "transfer_attendance_y2026_pkey" in scan, plan


def test_courses_kept_as_sent_or_not_kept_are_settled_by_their_summary(pg_api,
                                                                       monkeypatch) -> None:
    """Courses sent whole and unchanged answer nothing, courses not kept answer every pair
    missing — neither has a digest taken of a row it sent — and a course that differs in
    any way (a row's field, a withdrawn record, a record kept and not sent) is compared
    pair by pair, by digests."""
    pairs = _filled_after_empty_statistics(pg_api)
    by_course: dict[str, list[str]] = {}
    for course_key, account in pairs:
        by_course.setdefault(course_key, []).append(account)
    withdrawn = by_course["C-3"][7]
    with pg_api.runtime.database.session() as session:
        session.execute(text("UPDATE transfer_attendance SET withdrawn_reason = '撤回' "
                             "WHERE course_key = 'C-3' AND account_id = :account"),
                        {"account": withdrawn})
    sent = [(course_key, account, _row(course_key)) for course_key in ("C-0", "C-1", "C-3")
            for account in by_course[course_key]]
    sent[5] = (*sent[5][:2], _row("C-0", "改名"))  # C-0: one row differs
    sent += [("C-2", account, _row("C-2")) for account in by_course["C-2"][:60]]  # 40 not
    moved = by_course["C-4"][0]  # C-4: one row's day differs, by a day
    sent += [("C-4", account, _row("C-4")._replace(completed_on=START + timedelta(days=1))
              if account == moved else _row("C-4")) for account in by_course["C-4"]]
    sent += [("C-900", "a-new-account", _row("C-900"))]  # a course nothing is kept of
    taken: list[str] = []
    digest = Attendance.digest
    monkeypatch.setattr(Attendance, "digest",
                        lambda row, account: taken.append(row.course_key) or digest(row, account))
    with pg_api.runtime.database.session() as session:
        differing, missing = RecordRepository(session).compare_attendance(
            SOURCE, sent, {key: YEAR for key, _, _ in sent})
    assert sorted(set(taken)) == ["C-0", "C-2", "C-3", "C-4"] and len(taken) == 360
    assert missing == {("C-900", "a-new-account")}
    assert sorted(differing) == sorted([("C-0", by_course["C-0"][5]), ("C-3", withdrawn),
                                        ("C-4", moved)])
    assert differing[("C-3", withdrawn)].withdrawn
    assert differing[("C-0", by_course["C-0"][5])].digest == _row("C-0").digest(
        by_course["C-0"][5])


def test_the_course_lookup_probes_the_place_and_the_duplicates_per_course(pg_api) -> None:
    """``live_courses`` reads each course asked by its own probe of the primary key, never
    every course the source has in the year; and its two questions of the duplicate rule
    (another source's course at the place, the source's own linked duplicates) are each
    an index probe per course, never a read of the organiser's day nor of every duplicate
    kept — also when the tables were analyzed while they were empty."""
    _filled_after_empty_statistics(pg_api, other_courses=5_000)
    now = datetime(YEAR, 3, 2, tzinfo=UTC)
    with pg_api.runtime.database.session() as session:
        session.execute(text("ANALYZE duplicate_records"))
        Duplicates(session).add([
            {"source": "ntpc-edu", "course_key": f"N-{n // 100}",
             "account_id": str(uuid.UUID(int=n + 1, version=4)), "digest": "0" * 32,
             "school_code": "313502", "hours": Decimal("3.0"), "completed_on": START,
             "teacher_name": "教師", "updated_at": now, "kept_source": SOURCE,
             "kept_course_key": "C-0", "found_at": now, "version": 1}
            for n in range(5_000)])
    keys = [f"C-{c}" for c in range(30)]
    plan = _plan(pg_api, _live_courses(True), {"source": SOURCE, "keys": keys})
    with pg_api.runtime.database.session() as session:
        found = RecordRepository(session).live_courses(SOURCE, keys)
    assert len(found) == 30 and not any(course["may_match"] for course in found.values())
    assert "Seq Scan" not in plan and "Hash" not in plan, plan
    read = plan.split("SubPlan", 1)[0]
    assert "Index Cond: (((source)::text = 'tpe-edu'::text) AND ((course_key)::text = " \
        "(wanted.course_key)::text))" in read, plan
    subplans = plan.split("SubPlan", 1)[1]
    assert "transfer_courses_y2026_organiser_unit_code" in subplans, plan  # the place's index
    assert "using pk_duplicate_records" in subplans, plan
