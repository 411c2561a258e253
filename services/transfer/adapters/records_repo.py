"""The records sources report: courses and attendance by the source's own keys.

A batch reads what it touches in one query per kind (``course_states``,
``attendance_states``) and writes with ``executemany``; a sealed (archived) source's
records are never written (the handler refuses first).

On PostgreSQL both tables are partitioned by ``start_year`` (migration 0006): a year's
partition is made before its first row (``ensure_year_partitions``), attendance is looked
up within its course's year (one partition), and ``seal_year`` makes a year's partitions
read-only with a trigger. On SQLite the same calls work on one table each."""
from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any, NamedTuple, TypeAlias

from sqlalchemy import (
    Engine,
    Select,
    String,
    any_,
    bindparam,
    cast,
    delete,
    false,
    func,
    insert,
    literal_column,
    select,
    text,
    true,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from servicekit import copy_text
from servicekit.bus.tables import outbox
from servicekit.db import insert_for, insert_rows
from servicekit.events import Envelope
from services.transfer.adapters.tables import (
    attendance,
    courses,
    duplicate_records,
    sealed_years,
)
from services.transfer.domain.records import Attendance

RECORD_TABLES = (courses.name, attendance.name)
_ATTENDANCE_COLUMNS = tuple(column.name for column in attendance.columns)
# The columns a COPY of new attendance writes, in the order ``_copy_attendance`` writes
# them: first those a batch's rows of one course share, written once per course.
_SHARED = ("source", "course_key", "start_year", "trial", "version", "withdrawn_reason",
           "updated_at")
_COPIED = (*_SHARED, "account_id", "digest", "teacher_name", "school_code", "hours",
           "completed_on")

_CHUNK = 500  # keys per IN list: far under every database's parameter limit
# The pairs travel grouped by course, as one JSON array of {course key, its accounts}
# (the json module's C encoder; the driver would dump a list into an array item by
# item, in Python). Each course is its own probe of the primary key, its accounts an
# array the index is searched with, in a ``LATERAL`` subquery that aggregates what it
# finds into one JSON array: the planner cannot merge an aggregate into a plain join,
# so the courses asked drive whatever the statistics say (as a plain join, statistics
# taken while the partition was nearly empty had the planner hash every row the source
# has in it, a cost growing with each chunk written until the next ``ANALYZE``), and
# the driver reads a course's kept rows as one JSON value in C rather than making each
# of an unchanged re-send's 5,000 rows a Python row. A subquery per pair (5,000 a
# file's chunk) cost 30 ms of executor set-up and JSON a chunk where none is kept, one
# per course (50) 4 ms (``EXPLAIN ANALYZE``, docs/performance.md "transfer").
_PAIRS_TEXT = (
    "SELECT wanted.course_key, kept.found "
    "FROM json_to_recordset(CAST(:pairs AS json)) AS wanted(course_key text, accounts text[]) "
    "CROSS JOIN LATERAL (SELECT json_agg(json_build_array(account_id, digest, version, "
    "withdrawn_reason IS NOT NULL, start_year)) AS found "
    f"FROM {attendance.name} "
    "WHERE source = :source AND course_key = wanted.course_key "
    "AND account_id = ANY(wanted.accounts){year}) AS kept WHERE kept.found IS NOT NULL")
# ``compare_attendance`` on PostgreSQL: per course (a ``LATERAL`` aggregate, as above)
# its accounts and their digests side by side, each probed by the primary key; only the
# accounts not kept and the kept records that differ come back.
_COMPARED = text(
    "SELECT wanted.course_key, found.missing, found.differing "
    "FROM json_to_recordset(CAST(:pairs AS json)) "
    "AS wanted(course_key text, accounts text[], digests text[]) "
    "CROSS JOIN LATERAL (SELECT "
    "json_agg(sent.account_id) FILTER (WHERE kept.account_id IS NULL) AS missing, "
    "json_agg(json_build_array(kept.account_id, kept.digest, kept.version, "
    "kept.withdrawn_reason IS NOT NULL, kept.start_year)) FILTER (WHERE "
    "kept.digest <> sent.digest OR kept.withdrawn_reason IS NOT NULL) AS differing "
    "FROM unnest(wanted.accounts, wanted.digests) AS sent(account_id, digest) "
    f"LEFT JOIN {attendance.name} AS kept ON kept.source = :source "
    "AND kept.course_key = wanted.course_key AND kept.account_id = sent.account_id "
    "AND kept.start_year = :year) AS found "
    "WHERE found.missing IS NOT NULL OR found.differing IS NOT NULL")
SUMMARY_EPOCH = date(2000, 1, 1)
# Asked first, per course (``compare_attendance``): how many records the source keeps in
# it that year, how many of them withdrawn, and a summary of what they hold — each
# record's account, the teacher's name as sent (``-`` for none, which no name sent
# spells), school, hours and day (days since ``SUMMARY_EPOCH``, ended by ``;``),
# length-prefixed or ended so the joined text names one set only (``course_summary``
# makes the same of the rows sent). A course sent whole and unchanged (a re-send) or not
# kept at all (a first send) is then settled by a range of the primary key, one descent
# per course, without a digest taken of any row it sent. The day as a number: written
# by ``to_char``, a chunk's summaries took the server 9.3 ms rather than 7.4 (50
# courses, 5,000 records), on the re-send's path.
_SUMMARIES = text(
    "SELECT wanted.course_key, kept.records, kept.withdrawn, kept.summary "
    "FROM unnest(CAST(:course_keys AS text[])) AS wanted(course_key) "
    "CROSS JOIN LATERAL (SELECT count(*) AS records, "
    "count(*) FILTER (WHERE withdrawn_reason IS NOT NULL) AS withdrawn, "
    "encode(sha256(convert_to(string_agg(length(account_id) || ':' || account_id || "
    "coalesce(length(teacher_name) || ':' || teacher_name, '-') || length(school_code) || "
    "':' || school_code || CAST(hours AS text) || '/' || "
    f"(completed_on - DATE '{SUMMARY_EPOCH.isoformat()}') || ';', "
    "'' ORDER BY account_id COLLATE \"C\"), 'UTF8')), 'hex') AS summary "
    f"FROM {attendance.name} "
    "WHERE source = :source AND course_key = wanted.course_key AND start_year = :year) "
    "AS kept")
_PAIRS = text(_PAIRS_TEXT.format(year=""))
_PAIRS_OF_YEAR = text(_PAIRS_TEXT.format(year=" AND start_year = :year"))


@functools.cache
def _live_courses(postgres: bool) -> Select[Any]:
    """``live_courses``' statement, built once (each batch runs it, and building it cost
    more than the server's answer). On PostgreSQL the keys asked drive, as one array, each
    course read by its own probe of the primary key (a ``LATERAL`` subquery kept apart by
    ``OFFSET 0``), whatever the statistics say: planned on those of an empty partition,
    a plain ``= ANY`` read every course the source has in the year and filtered them.
    Elsewhere an expanding ``IN``."""
    other = courses.alias("other")

    def screened(course: Any) -> Any:
        # Each question a scalar subquery (one row at most), which the planner never
        # turns into one read of the whole table hashed: one index probe per course.
        at_place = select(true()).where(
            other.c.organiser_unit_code == course.organiser_unit_code,
            other.c.start_date == course.start_date,
            other.c.title_digest == course.title_digest,
            other.c.start_year == course.start_year,
            other.c.source != course.source).limit(1).scalar_subquery()
        linked = select(true()).where(
            duplicate_records.c.source == course.source,
            duplicate_records.c.course_key == course.course_key).limit(1).scalar_subquery()
        return func.coalesce(at_place, linked, false()).label("may_match")
    if not postgres:
        return select(courses, screened(courses.c)).where(
            courses.c.source == bindparam("source"),
            courses.c.course_key.in_(bindparam("keys", expanding=True)),
            courses.c.withdrawn_reason.is_(None))
    wanted = func.unnest(cast(bindparam("keys", type_=ARRAY(String)), ARRAY(String))
                         ).table_valued("course_key").render_derived(name="wanted")
    found = select(courses).where(
        courses.c.source == bindparam("source"), courses.c.course_key == wanted.c.course_key,
        courses.c.withdrawn_reason.is_(None)).offset(literal_column("0")).lateral("found")
    return select(found, screened(found.c)).select_from(wanted).join(found, true())


# A row sent: its course key, its teacher's account and the row (its digest taken with
# that account only where a comparison needs it).
Sent: TypeAlias = tuple[str, str, Attendance]


class Stored(NamedTuple):
    """What is kept of a record, as a lookup answers it: a named tuple, since an
    unchanged re-send makes one per row (a third of a frozen dataclass's cost)."""
    digest: str
    version: int
    withdrawn: bool
    start_year: int = 0


class RecordRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._postgres = session.get_bind().dialect.name == "postgresql"

    def _among(self, column: Any, values: list[str]) -> Any:
        """``column IN values``: on PostgreSQL ``= ANY(array)``, one parameter, so the
        statement's text is the same whatever the count (prepared once by the driver,
        nothing to expand); elsewhere a plain IN list."""
        if self._postgres:
            return column == any_(cast(bindparam(None, values, type_=ARRAY(String)),
                                       ARRAY(String)))
        return column.in_(values)

    def _chunks(self, items: list[Any]) -> Iterable[list[Any]]:
        """An array is one parameter on PostgreSQL: no need to cut it."""
        return [items] if self._postgres else _chunks(items)

    def course_states(self, source: str, keys: Iterable[str]) -> dict[str, Stored]:
        found: dict[str, Stored] = {}
        for chunk in self._chunks(sorted(set(keys))):
            rows = self.session.execute(select(
                courses.c.course_key, courses.c.digest, courses.c.version,
                courses.c.withdrawn_reason, courses.c.start_year).where(
                courses.c.source == source, self._among(courses.c.course_key, chunk)))
            for row in rows:
                found[row.course_key] = Stored(row.digest, row.version,
                                               row.withdrawn_reason is not None,
                                               row.start_year)
        return found

    def courses(self, source: str, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for chunk in self._chunks(sorted(set(keys))):
            rows = self.session.execute(select(courses).where(
                courses.c.source == source, self._among(courses.c.course_key, chunk)))
            found.update({row.course_key: dict(row._mapping) for row in rows})
        return found

    def live_courses(self, source: str, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The source's live (not withdrawn) courses among ``keys``, each with
        ``may_match``: whether the duplicate rule (R-TRF-11) can touch a new record in it
        — another source keeps a course at its place (organiser, start date, title
        digest), or the source keeps linked duplicates in it. A course that may not
        match needs no probe of its records (``push._Writer._duplicates``); another
        source rarely has a course at the same place, so a batch usually needs none."""
        statement = _live_courses(self._postgres)
        found: dict[str, dict[str, Any]] = {}
        for chunk in self._chunks(sorted(set(keys))):
            rows = self.session.execute(statement, {"source": source, "keys": chunk})
            # SQLite answers the screen as 1 or 0
            found.update({row.course_key: {**row._mapping, "may_match": bool(row.may_match)}
                          for row in rows})
        return found

    def compare_attendance(self, source: str, sent: Iterable[Sent],
                           years: dict[str, int]
                           ) -> tuple[dict[tuple[str, str], Stored], set[tuple[str, str]]]:
        """Each row sent (course key, account, the row) against what is kept: the kept
        records that differ from it (another digest, or withdrawn), and the keys not kept
        at all; a key in neither is kept as it is (unchanged). ``years``: each course's
        start year.

        On PostgreSQL each course is first summed up (``_unsettled``): a course the source
        keeps nothing of, or keeps exactly as sent, is settled by its summary alone. The
        others' digests go with their keys and the server answers only those two
        (``_COMPARED``): an unchanged re-send's 5,000 rows a chunk never leave it, and no
        digest is taken of them. Each (course key, account) is sent once (a batch's
        check refuses a second)."""
        if not self._postgres:
            rows = {(course_key, account): row for course_key, account, row in sent}
            stored = self.attendance_states(source, rows, years)
            return ({key: kept for key, kept in stored.items()
                     if kept.digest != rows[key].digest(key[1]) or kept.withdrawn},
                    set(rows) - set(stored))
        by_year: dict[int, dict[str, list[tuple[str, Attendance]]]] = {}
        for course_key, account, row in sent:
            by_year.setdefault(years[course_key], {}).setdefault(course_key, []).append(
                (account, row))
        differing: dict[tuple[str, str], Stored] = {}
        missing: set[tuple[str, str]] = set()
        for year, by_course in by_year.items():
            unsettled = self._unsettled(source, year, by_course, missing)
            if not unsettled:
                continue
            document = json.dumps([
                {"course_key": course_key, "accounts": [account for account, _ in pairs],
                 "digests": [row.digest(account) for account, row in pairs]}
                for course_key, pairs in sorted(unsettled.items())],
                ensure_ascii=False, separators=(",", ":"))
            for course_key, absent, other in self.session.execute(_COMPARED, {
                    "source": source, "year": year, "pairs": document}):
                missing.update((course_key, account) for account in absent or ())
                for account, digest, version, withdrawn, start_year in other or ():
                    differing[(course_key, account)] = Stored(digest, version, withdrawn,
                                                              start_year)
        return differing, missing

    def _unsettled(self, source: str, year: int,
                   sent: dict[str, list[tuple[str, Attendance]]],
                   missing: set[tuple[str, str]]) -> dict[str, list[tuple[str, Attendance]]]:
        """The courses of one year whose comparison needs each account asked: not those
        the source keeps nothing of (every row sent goes to ``missing``), nor those it
        keeps exactly as sent (the same live accounts holding the same: unchanged)."""
        unsettled: dict[str, list[tuple[str, Attendance]]] = {}
        for course_key, records, withdrawn, summary in self.session.execute(_SUMMARIES, {
                "source": source, "year": year, "course_keys": sorted(sent)}):
            rows = sent[course_key]
            if not records:
                missing.update((course_key, account) for account, _ in rows)
            elif (records != len(rows) or withdrawn
                  or summary != course_summary(rows)):
                unsettled[course_key] = rows
        return unsettled

    def attendance_states(self, source: str, keys: Iterable[tuple[str, str]],
                          years: dict[str, int] | None = None
                          ) -> dict[tuple[str, str], Stored]:
        """``years``: the start year of each key's course, when known: the lookup then
        reads one partition per year instead of every one. Asked as (courses) × (accounts)
        — plain IN lists the primary key's index answers at once, on both databases —
        and the pairs not asked for dropped here (a batch names few courses)."""
        by_year: dict[int | None, set[tuple[str, str]]] = {}
        for key in keys:
            by_year.setdefault((years or {}).get(key[0]), set()).add(key)
        if self._postgres:
            return self._attendance_pairs(source, by_year)
        found: dict[tuple[str, str], Stored] = {}
        for year, wanted in by_year.items():
            course_keys = sorted({course for course, _ in wanted})
            accounts = sorted({account for _, account in wanted})
            for course_chunk in self._chunks(course_keys):
                for chunk in self._chunks(accounts):
                    query = select(
                        attendance.c.course_key, attendance.c.account_id, attendance.c.digest,
                        attendance.c.version, attendance.c.withdrawn_reason,
                        attendance.c.start_year).where(
                        attendance.c.source == source,
                        self._among(attendance.c.course_key, course_chunk),
                        self._among(attendance.c.account_id, chunk))
                    if year is not None:
                        query = query.where(attendance.c.start_year == year)
                    for row in self.session.execute(query):
                        key = (row.course_key, row.account_id)
                        if key in wanted:
                            found[key] = Stored(row.digest, row.version,
                                                row.withdrawn_reason is not None,
                                                row.start_year)
        return found

    def _attendance_pairs(self, source: str, by_year: dict[int | None, set[tuple[str, str]]]
                          ) -> dict[tuple[str, str], Stored]:
        """On PostgreSQL each course asked with its own accounts: a probe of the primary
        key's index per course and account, in one query per year. (Courses × accounts
        with ``= ANY`` of the whole chunk's accounts reads every row of the courses and
        tests each against all of them: 5,000 × 5,000 for a chunk of a file.)"""
        found: dict[tuple[str, str], Stored] = {}
        for year, wanted in by_year.items():
            statement = _PAIRS if year is None else _PAIRS_OF_YEAR
            values: dict[str, Any] = {"source": source, "pairs": pairs_by_course(wanted)}
            if year is not None:
                values["year"] = year
            for course_key, kept in self.session.execute(statement, values):
                for account_id, digest, version, withdrawn, start_year in kept:
                    found[(course_key, account_id)] = Stored(digest, version, withdrawn,
                                                             start_year)
        return found

    def live_attendance_of(self, source: str,
                           course_keys: Iterable[str]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for chunk in _chunks(sorted(set(course_keys))):
            rows = self.session.execute(select(attendance).where(
                attendance.c.source == source, attendance.c.course_key.in_(chunk),
                attendance.c.withdrawn_reason.is_(None)))
            found.extend(dict(row._mapping) for row in rows)
        return found

    def add_courses(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self.session.execute(insert(courses), list(rows))

    def change_courses(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self.session.execute(update(courses).where(
                courses.c.source == bindparam("b_source"),
                courses.c.course_key == bindparam("b_key")),
                [{**row, "b_source": row["source"], "b_key": row["course_key"]}
                 for row in rows])

    def add_attendance(self, rows: Sequence[dict[str, Any]]) -> None:
        """On PostgreSQL COPY (the rows in its text format, written here: a file adds
        200,000); elsewhere one statement."""
        with self.adding_attendance() as add:
            add(rows)

    @contextmanager
    def adding_attendance(self) -> Iterator[Callable[[Sequence[dict[str, Any]]], None]]:
        """New attendance written part by part as the block makes it (``add(rows)``): on
        PostgreSQL one COPY (the kit's ``streaming``), each part sent as it is given, so
        the server stores one while the block makes the next; elsewhere a statement a
        part. The block must not use the session otherwise; leaving it waits for the
        server."""
        if self._postgres:
            with copy_text.streaming(self.session, attendance.name, _COPIED) as write:
                yield lambda rows: write(self._attendance_lines(rows))
            return
        statement, parameters = insert_rows(
            self.session.get_bind().dialect.name, attendance, _ATTENDANCE_COLUMNS)

        def add(rows: Sequence[dict[str, Any]]) -> None:
            if rows:
                self.session.execute(statement, parameters(
                    [{**row, "hours": str(row["hours"])} for row in rows]))
        yield add

    @staticmethod
    def _attendance_lines(rows: Sequence[dict[str, Any]]) -> list[str]:
        text, lines = copy_text.text, []
        shared: dict[tuple[Any, ...], str] = {}  # the shared columns → their text
        ends: dict[tuple[Any, ...], str] = {}  # a school, hours and day → their text
        for row in rows:
            key = tuple(map(row.__getitem__, _SHARED))
            head = shared.get(key)
            if head is None:
                source, course_key, year, trial, version, reason, at = key
                head = shared[key] = (
                    f"{text(source)}\t{text(course_key)}\t{int(year)}\t{'t' if trial else 'f'}"
                    f"\t{int(version)}\t{text(reason)}\t{at.isoformat()}\t")
            end_key = (row["school_code"], row["hours"], row["completed_on"])
            end = ends.get(end_key)
            if end is None:
                school, hours, day = end_key
                end = ends[end_key] = f"{text(school)}\t{hours}\t{day.isoformat()}"
            lines.append(f"{head}{text(row['account_id'])}\t{text(row['digest'])}\t"
                         f"{text(row['teacher_name'])}\t{end}")
        return lines

    def change_attendance(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self.session.execute(update(attendance).where(
                attendance.c.source == bindparam("b_source"),
                attendance.c.course_key == bindparam("b_key"),
                attendance.c.account_id == bindparam("b_account")),
                [{**row, "b_source": row["source"], "b_key": row["course_key"],
                  "b_account": row["account_id"]} for row in rows])

    def bump_attendance_versions(self, source: str, course_key: str, at: datetime,
                                 start_year: int) -> None:
        """Every live attendance of a changed course counts as changed too: its event
        carries the course's title, dates and organiser. All its attendance follows the
        course's start year (on PostgreSQL, into that year's partition)."""
        self.session.execute(update(attendance).where(
            attendance.c.source == source, attendance.c.course_key == course_key,
            attendance.c.withdrawn_reason.is_(None)).values(
            version=attendance.c.version + 1, updated_at=at))
        self.session.execute(update(attendance).where(
            attendance.c.source == source, attendance.c.course_key == course_key,
            attendance.c.start_year != start_year).values(start_year=start_year))

    def ensure_years(self, years: Iterable[int]) -> None:
        """On PostgreSQL, each year's partition of both record tables, made before its
        first row, each in a transaction of its own. Call it before the writing
        transaction reads the tables: making a partition locks its parent, and would wait
        on that transaction's own read."""
        engine = self.session.get_bind()
        if isinstance(engine, Engine):
            ensure_year_partitions(engine, years)

    def live_production_page(self, after: tuple[str, str, str] | None,
                             limit: int) -> list[dict[str, Any]]:
        """Live attendance records of production (not trial), with their course's
        details, in key order after ``after``."""
        a, c = attendance.c, courses.c
        query = (select(a.source, a.course_key, a.account_id, a.hours, a.version,
                        c.start_date, c.end_date, c.title, c.organiser_unit_code, c.tags)
                 .join(courses, (c.source == a.source) & (c.course_key == a.course_key)
                       & (c.start_year == a.start_year))
                 .where(a.trial.is_(False), a.withdrawn_reason.is_(None))
                 .order_by(a.source, a.course_key, a.account_id).limit(limit))
        if after is not None:
            query = query.where(tuple_(a.source, a.course_key, a.account_id) > after)
        return [dict(row._mapping) for row in self.session.execute(query)]

    def queue_again(self, envelopes: Sequence[Envelope]) -> None:
        """Envelopes of stable ids into the outbox: a new id is added, one still kept
        there (sent or not) is marked unsent to go out again."""
        if not envelopes:
            return
        now = datetime.now(UTC)
        statement = insert_for(self.session.get_bind().dialect.name, outbox)
        statement = statement.on_conflict_do_update(
            index_elements=[outbox.c.event_id],
            set_={"sent_at": None, "body": statement.excluded.body,
                  "recorded_at": statement.excluded.recorded_at})
        self.session.execute(statement, [
            {"event_id": e.id, "event_type": e.type, "correlation_id": e.correlation_id,
             "body": e.to_json().decode(), "recorded_at": now} for e in envelopes])

    def drop_trial(self, source: str) -> None:
        """What a source sent while in test goes when it opens production."""
        self.session.execute(delete(attendance).where(attendance.c.source == source,
                                                      attendance.c.trial.is_(True)))
        self.session.execute(delete(courses).where(courses.c.source == source,
                                                   courses.c.trial.is_(True)))

    def monthly(self, source: str) -> list[dict[str, Any]]:
        return monthly_counts(self.session, source)

    def counts(self, source: str) -> dict[str, int]:
        live = {}
        for name, table in (("courses", courses), ("attendance", attendance)):
            live[name] = self.session.execute(select(func.count()).select_from(table).where(
                table.c.source == source, table.c.withdrawn_reason.is_(None))).scalar_one()
        return live


def course_summary(rows: Iterable[tuple[str, Attendance]]) -> str:
    """A course's rows sent (account, row) as ``_SUMMARIES`` sums up the records kept: the
    SHA-256 of each row's account, name, school, hours and day, in the order of the
    accounts' code points (``COLLATE "C"`` on the server). Equal summaries mean equal
    records, so equal digests (a digest is taken of the same fields); a record kept
    otherwise than its digest says (a name kept before names were) only sends its course
    to the comparison row by row. A school, hours and day are written once per distinct
    three (a course's rows repeat a few)."""
    ends: dict[tuple[Any, ...], str] = {}
    parts = []
    for account, row in sorted(rows):  # by account: a course's accounts are distinct
        three = row[3:]  # the school, hours and day (``Attendance``'s last fields)
        end = ends.get(three)
        if end is None:
            school, hours, day = three
            end = ends[three] = f"{len(school)}:{school}{hours}/{(day - SUMMARY_EPOCH).days};"
        name = row.teacher_name
        parts.append(f"{len(account)}:{account}{len(name)}:{name}{end}")
    return hashlib.sha256("".join(parts).encode()).hexdigest()


def pairs_by_course(pairs: Iterable[tuple[str, str]]) -> str:
    """(course key, account) pairs as the JSON the pairs lookup reads: one object per
    course with its accounts."""
    accounts: dict[str, list[str]] = {}
    for course_key, account in pairs:
        accounts.setdefault(course_key, []).append(account)
    return json.dumps([{"course_key": course_key, "accounts": sorted(accounts[course_key])}
                       for course_key in sorted(accounts)],
                      ensure_ascii=False, separators=(",", ":"))


def monthly_counts(session: Session, source: str) -> list[dict[str, Any]]:
    """Live production records per month (R-TRF-10): courses by their start, attendance
    by its completion; a test source's records and withdrawn ones do not count."""
    months: dict[str, dict[str, Any]] = {}
    for name, table, day in (("courses", courses, courses.c.start_date),
                             ("attendance", attendance, attendance.c.completed_on)):
        rows = session.execute(select(day, func.count()).where(
            table.c.source == source, table.c.withdrawn_reason.is_(None),
            table.c.trial.is_(False)).group_by(day))
        for moment, count in rows:
            month = months.setdefault(moment.isoformat()[:7], {
                "month": moment.isoformat()[:7], "courses": 0, "attendance": 0})
            month[name] += count
    return [months[key] for key in sorted(months)]


_MADE: dict[str, set[int]] = {}  # per database URL: the partitions known to exist


def ensure_year_partitions(engine: Engine, years: Iterable[int]) -> None:
    if engine.dialect.name != "postgresql":
        return  # SQLite: one table
    made = _MADE.setdefault(str(engine.url), set())
    for year in sorted(set(years) - made):
        for table in RECORD_TABLES:
            name = f"{table}_y{int(year)}"
            statement = text(f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {table} "
                             f"FOR VALUES FROM ({int(year)}) TO ({int(year) + 1})")
            try:
                with engine.begin() as connection:
                    connection.execute(statement)
            except DBAPIError:
                # Made meanwhile by another writer (the catalogue's unique name): fine
                # if it exists now.
                with engine.connect() as connection:
                    if connection.execute(text("SELECT to_regclass(:name)"),
                                          {"name": name}).scalar() is None:
                        raise
        made.add(year)


def seal_year(session: Session, year: int, by: str, at: datetime) -> bool:
    """The year's records made read-only (its partitions must exist: call
    ``ensure_year_partitions`` first, outside this transaction): kept in ``sealed_years`` (every writer refuses
    them) and, on PostgreSQL, a row trigger on each of its partitions refusing any write
    (a row trigger: statement triggers of a partition do not fire through its parent).
    False when the year was sealed already."""
    if session.execute(select(sealed_years.c.year).where(
            sealed_years.c.year == year)).first() is not None:
        return False
    session.execute(insert(sealed_years).values(year=year, sealed_by=by, sealed_at=at))
    engine = session.get_bind()
    if isinstance(engine, Engine) and engine.dialect.name == "postgresql":
        for table in RECORD_TABLES:
            name = f"{table}_y{int(year)}"
            session.execute(text(
                f"CREATE TRIGGER {name}_sealed BEFORE INSERT OR UPDATE OR DELETE "
                f"ON {name} FOR EACH ROW EXECUTE FUNCTION transfer_sealed_year()"))
    return True


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]
