"""The two lookups every chunk of a file makes on PostgreSQL — the kept rows by their
(course, account) pairs and the duplicate rule's probe (R-TRF-3, R-TRF-11) — are
planned key by key even when the statistics were taken while the tables were empty, as
after the first rows of a new year or a new source: planned as a plain join, they read
every row the source has in the partition, a cost that grows with each chunk until the
next ``ANALYZE``. The plans are asked with ``EXPLAIN`` (no timing)."""
from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import text

from services.transfer.adapters.duplicates_repo import Duplicates, _probe
from services.transfer.adapters.records_repo import (
    _COMPARED,
    _PAIRS_OF_YEAR,
    _SUMMARIES,
    RecordRepository,
    pairs_by_course,
)
from services.transfer.domain.titles import match_key

pytestmark = pytest.mark.postgres

SOURCE, YEAR, COURSES, PER_COURSE = "tpe-edu", 2026, 50, 100
START = date(YEAR, 3, 2)


def _filled_after_empty_statistics(api) -> list[tuple[str, str]]:
    """5,000 attendance rows and their match keys written after both tables were
    analyzed empty; their (course key, account) pairs."""
    pairs = [(f"C-{c}", str(uuid.UUID(int=c * PER_COURSE + n + 1, version=4)))
             for c in range(COURSES) for n in range(PER_COURSE)]
    now = datetime(YEAR, 3, 2, tzinfo=UTC)
    with api.runtime.database.session() as session:
        records = RecordRepository(session)
        records.ensure_years([YEAR])
        for table in ("transfer_attendance", "match_keys"):
            session.execute(text(f"ANALYZE {table}"))
        records.add_attendance([
            {"source": SOURCE, "course_key": course_key, "account_id": account,
             "start_year": YEAR, "digest": "0" * 32, "teacher_name": "教師",
             "school_code": "313502", "hours": "3", "completed_on": START, "trial": False,
             "version": 1, "withdrawn_reason": None, "updated_at": now}
            for course_key, account in pairs])
        Duplicates(session).add_keys([_key_row(course_key, account)
                                      for course_key, account in pairs])
        session.commit()
    return pairs


def _key_row(course_key: str, account: str) -> dict[str, Any]:
    organiser, day, digest = match_key("313301", START, f"研習 {course_key}")
    return {"organiser_unit_code": organiser, "start_date": day, "title_digest": digest,
            "account_id": account, "source": SOURCE, "course_key": course_key}


def _plan(api, statement: Any, parameters: dict[str, Any]) -> str:
    with api.runtime.database.session() as session:
        compiled = statement.compile(dialect=session.get_bind().dialect)
        raw = session.connection().connection.driver_connection
        with raw.cursor() as cursor:
            cursor.execute(f"EXPLAIN {compiled}", parameters)
            return "\n".join(row[0] for row in cursor.fetchall())


def _keyed_by_the_rows_asked(plan: str) -> None:
    assert "Hash" not in plan, plan
    assert "Seq Scan on transfer_attendance" not in plan, plan
    assert "Seq Scan on match_keys" not in plan, plan
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
    pairs = _filled_after_empty_statistics(pg_api)
    keys = [_key_row(course_key, account) for course_key, account in pairs[:3000]]
    plan = _plan(pg_api, *_probe("ntpc-edu", [
        tuple(key[name] for name in ("organiser_unit_code", "start_date", "title_digest",
                                     "account_id")) for key in keys]))
    _keyed_by_the_rows_asked(plan)
    place = tuple(keys[0][name] for name in ("organiser_unit_code", "start_date",
                                             "title_digest", "account_id"))
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
            (*pairs[0], "0" * 32), (*pairs[1], "1" * 32), ("C-0", unknown, "0" * 32)],
            {"C-0": YEAR})
    assert missing == {("C-0", unknown)}  # pairs[0] is kept unchanged: in neither
    assert list(differing) == [pairs[1]] and differing[pairs[1]].digest == "0" * 32


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


def test_courses_kept_as_sent_or_not_kept_are_settled_by_their_summary(pg_api) -> None:
    """Courses sent whole and unchanged answer nothing, courses not kept answer every pair
    missing, and a course that differs in any way (a digest, a withdrawn record, a
    record kept and not sent) is compared pair by pair."""
    pairs = _filled_after_empty_statistics(pg_api)
    by_course: dict[str, list[str]] = {}
    for course_key, account in pairs:
        by_course.setdefault(course_key, []).append(account)
    withdrawn = by_course["C-3"][7]
    with pg_api.runtime.database.session() as session:
        session.execute(text("UPDATE transfer_attendance SET withdrawn_reason = '撤回' "
                             "WHERE course_key = 'C-3' AND account_id = :account"),
                        {"account": withdrawn})
    sent = [(course_key, account, "0" * 32) for course_key in ("C-0", "C-1", "C-3")
            for account in by_course[course_key]]
    sent[5] = (*sent[5][:2], "1" * 32)  # C-0: one digest differs
    sent += [("C-2", account, "0" * 32) for account in by_course["C-2"][:60]]  # 40 not sent
    sent += [("C-900", "a-new-account", "0" * 32)]  # a course nothing is kept of
    with pg_api.runtime.database.session() as session:
        differing, missing = RecordRepository(session).compare_attendance(
            SOURCE, sent, {key: YEAR for key, _, _ in sent})
    assert missing == {("C-900", "a-new-account")}
    assert sorted(differing) == sorted([("C-0", by_course["C-0"][5]), ("C-3", withdrawn)])
    assert differing[("C-3", withdrawn)].withdrawn
    assert differing[("C-0", by_course["C-0"][5])].digest == "0" * 32
