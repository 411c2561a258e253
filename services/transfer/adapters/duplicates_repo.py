"""The duplicate match rule's storage (R-TRF-11, ``tables.py``): the linked duplicates,
the match keys of the records kept, and the moves between the two when a kept record is
withdrawn (its oldest duplicate promoted) or its course is matched again (a record that
now collides becomes a duplicate). The records' own writes go through ``records_repo``;
only moving a record out into ``duplicate_records`` deletes its attendance row here."""
from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any, TypeAlias

from psycopg.errors import UniqueViolation
from sqlalchemy import (
    JSON,
    Date,
    Select,
    SmallInteger,
    Text,
    and_,
    any_,
    bindparam,
    cast,
    column,
    delete,
    extract,
    func,
    insert,
    literal_column,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from servicekit import copy_text
from servicekit.db import insert_rows
from servicekit.dml import rows_changed
from services.transfer.adapters.tables import attendance, courses, duplicate_records, match_keys

_CHUNK = 500
# A course's place under the rule (organiser, start date, title digest), its key and the
# accounts of its new records (``course_keys_to_add``).
CourseKeys: TypeAlias = tuple[tuple[str, date, str], str, list[str]]
# A file's chunk (5,000 rows) probed and its keys written in one statement each.
_PROBED = _WRITTEN = 5_000
_KEY_COLUMNS = ("organiser_unit_code", "start_date", "title_digest", "account_id", "source",
                "course_key")


class Duplicates:
    def __init__(self, session: Session) -> None:
        self.session = session

    def matches(self, source: str,
                keys: Sequence[tuple[str, date, str, str]]) -> dict[tuple[str, date, str, str],
                                                                     tuple[str, str]]:
        """For each (organiser, start date, title digest, account) the live production
        record of another source it names (its source and course key; the first by key
        when several), one probe per key of the index."""
        found: dict[tuple[str, date, str, str], tuple[str, str]] = {}
        wanted = list(set(keys))
        postgres = self.session.get_bind().dialect.name == "postgresql"
        size = _PROBED if postgres else _CHUNK // 2
        if len(wanted) > size:  # cut in the same chunks every time (one chunk: no need)
            wanted.sort()
        for start in range(0, len(wanted), size):
            chunk = wanted[start:start + size]
            rows = self.session.execute(*(_probe(source, chunk) if postgres
                                          else _probe_listed(source, chunk)))
            for row in rows:
                found.setdefault((row.organiser_unit_code, row.start_date, row.title_digest,
                                  row.account_id), (row.source, row.course_key))
        return found

    def add_keys(self, rows: Sequence[dict[str, Any]]) -> None:
        """Match keys of records kept (a key already there stays as it is, and of a key
        twice among ``rows`` the first), one statement per chunk.

        On PostgreSQL the keys are COPYed, in a savepoint: a new record's key is almost
        never there already (only a record once kept and then withdrawn, two courses of
        one source at the same place, or a backfill running meanwhile leave one), and
        COPY costs half of the ``INSERT … ON CONFLICT DO NOTHING`` from a JSON document
        that a key there already needs; when one is, the savepoint is rolled back and the
        chunk goes through that insert."""
        self.keys_to_add(rows)()

    def keys_to_add(self, rows: Sequence[dict[str, Any]]) -> Callable[[], None]:
        """``add_keys`` in two steps: the keys made ready to send now (on PostgreSQL their
        COPY text: Python's work, no statement), sent when the returned call is made —
        so a caller can make them while the server stores what it sent before."""
        if not rows:
            return _nothing
        dialect = self.session.get_bind().dialect.name
        if dialect != "postgresql":
            return functools.partial(self._insert_keys, rows)
        unique: dict[tuple[Any, ...], dict[str, Any]] = {}  # COPY has no ON CONFLICT:
        for row in rows:                                    # the first of each key
            unique.setdefault(tuple(row[name] for name in _KEY_COLUMNS[:5]), row)
        kept = list(unique.values())
        chunks = [kept[start:start + _WRITTEN] for start in range(0, len(kept), _WRITTEN)]
        return functools.partial(self._copy_keys, [(chunk, _key_lines(chunk))
                                                   for chunk in chunks])

    def course_keys_to_add(self, source: str, courses: Sequence[CourseKeys]
                           ) -> Callable[[], None]:
        """``keys_to_add`` for new records given course by course: each course's place
        (organiser, start date, title digest), its key and the accounts of its new
        records. On PostgreSQL a course's part of each COPY line is written once, not
        once per record (a file's chunk has 5,000 records in 50 courses)."""
        if self.session.get_bind().dialect.name != "postgresql":
            return self.keys_to_add(_key_rows(source, courses))
        text, lines = copy_text.text, list[str]()
        taken: dict[tuple[str, date, str], set[str]] = {}  # two courses at one place
        source_text = text(source)
        for (organiser, start, digest), course_key, accounts in courses:
            head = f"{text(organiser)}\t{start.isoformat()}\t{text(digest)}\t"
            tail = f"\t{source_text}\t{text(course_key)}"
            seen = taken.setdefault((organiser, start, digest), set())
            fresh = [a for a in accounts if a not in seen] if seen else list(accounts)
            seen.update(fresh)
            lines.extend(f"{head}{text(account)}{tail}" for account in fresh)
        if not lines:
            return _nothing
        return functools.partial(self._copy_course_keys, source, courses, lines)

    def _copy_course_keys(self, source: str, courses: Sequence[CourseKeys],
                          lines: list[str]) -> None:
        if not self._copied_keys(lines):  # one there already: as ``add_keys`` does then
            self._insert_keys(_key_rows(source, courses))

    def _copy_keys(self, chunks: list[tuple[list[dict[str, Any]], list[str]]]) -> None:
        for chunk, lines in chunks:
            if not self._copied_keys(lines):
                self._insert_keys(chunk)

    def _insert_keys(self, rows: Sequence[dict[str, Any]]) -> None:
        dialect = self.session.get_bind().dialect.name
        statement, parameters = insert_rows(dialect, match_keys, _KEY_COLUMNS)
        for start in range(0, len(rows), _WRITTEN):
            self.session.execute(statement.on_conflict_do_nothing(),
                                 parameters(list(rows[start:start + _WRITTEN])))

    def _copied_keys(self, lines: list[str]) -> bool:
        """The keys COPYed in a savepoint; False (and nothing written) when one was there."""
        try:
            with self.session.begin_nested():
                copy_text.copy_lines(self.session, match_keys.name, _KEY_COLUMNS, lines)
        except UniqueViolation:
            return False
        return True

    def drop_keys(self, source: str, course_keys: Iterable[str]) -> None:
        """A changed course's keys go (its organiser, start or title may have changed)."""
        for chunk in _chunked(sorted(set(course_keys))):
            self.session.execute(delete(match_keys).where(
                match_keys.c.source == source, match_keys.c.course_key.in_(chunk)))

    def courses_after(self, after: tuple[str, str] | None, limit: int) -> list[dict[str, Any]]:
        """Live production courses in key order after ``after`` (the keys' backfill)."""
        query = select(courses.c.source, courses.c.course_key, courses.c.organiser_unit_code,
                       courses.c.start_date, courses.c.title).where(
            courses.c.trial.is_(False), courses.c.withdrawn_reason.is_(None)).order_by(
            courses.c.source, courses.c.course_key).limit(limit)
        if after is not None:
            query = query.where(tuple_(courses.c.source, courses.c.course_key) > tuple_(*after))
        return [dict(row._mapping) for row in self.session.execute(query)]

    def digests(self, source: str,
                keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        found: dict[tuple[str, str], str] = {}
        # On PostgreSQL the courses of a whole chunk as one array (one statement for a
        # file's 5,000 rows, not ten); elsewhere an IN list of 500 rows' courses.
        postgres = self.session.get_bind().dialect.name == "postgresql"
        wanted = list(set(keys)) if postgres else sorted(set(keys))
        size = max(len(wanted), 1) if postgres else _CHUNK
        for start in range(0, len(wanted), size):
            chunk = wanted[start:start + size]
            course_keys = sorted({key for key, _ in chunk})
            rows = self.session.execute(select(
                duplicate_records.c.course_key, duplicate_records.c.account_id,
                duplicate_records.c.digest).where(
                duplicate_records.c.source == source,
                duplicate_records.c.course_key == any_(cast(
                    bindparam("course_keys", course_keys, type_=ARRAY(Text())), ARRAY(Text())))
                if postgres else duplicate_records.c.course_key.in_(course_keys)))
            chosen = set(chunk)
            for row in rows:
                if (row.course_key, row.account_id) in chosen:
                    found[(row.course_key, row.account_id)] = row.digest
        return found

    def add(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self.session.execute(insert(duplicate_records), list(rows))

    def change(self, source: str, course_key: str, account_id: str,
               values: dict[str, Any]) -> None:
        self.session.execute(update(duplicate_records).where(
            duplicate_records.c.source == source, duplicate_records.c.course_key == course_key,
            duplicate_records.c.account_id == account_id).values(**values))

    def remove(self, source: str, course_key: str, account_id: str | None = None) -> int:
        query = delete(duplicate_records).where(duplicate_records.c.source == source,
                                                duplicate_records.c.course_key == course_key)
        if account_id is not None:
            query = query.where(duplicate_records.c.account_id == account_id)
        return rows_changed(self.session.execute(query))

    def listing(self, source: str | None, limit: int, after: tuple[str, str, str] | None
                ) -> list[dict[str, Any]]:
        query = select(duplicate_records).order_by(
            duplicate_records.c.source, duplicate_records.c.course_key,
            duplicate_records.c.account_id).limit(limit)
        if source is not None:
            query = query.where(duplicate_records.c.source == source)
        if after is not None:
            query = query.where(tuple_(
                duplicate_records.c.source, duplicate_records.c.course_key,
                duplicate_records.c.account_id) > tuple_(*after))
        return [dict(row._mapping) for row in self.session.execute(query)]


    def linked_to(self, kept_source: str, kept_course_keys: Iterable[str]
                  ) -> list[dict[str, Any]]:
        """The duplicates linked to records of these courses, oldest first (when found,
        then by key)."""
        found: list[dict[str, Any]] = []
        for chunk in _chunked(sorted(set(kept_course_keys))):
            found.extend(dict(row._mapping) for row in self.session.execute(
                select(duplicate_records).where(
                    duplicate_records.c.kept_source == kept_source,
                    duplicate_records.c.kept_course_key.in_(chunk))))
        return sorted(found, key=_oldest_first)

    def of_courses(self, source: str, course_keys: Iterable[str]) -> list[dict[str, Any]]:
        """A source's own duplicates in these courses, oldest first."""
        found: list[dict[str, Any]] = []
        for chunk in _chunked(sorted(set(course_keys))):
            found.extend(dict(row._mapping) for row in self.session.execute(
                select(duplicate_records).where(duplicate_records.c.source == source,
                                                duplicate_records.c.course_key.in_(chunk))))
        return sorted(found, key=_oldest_first)

    def relink(self, duplicate: dict[str, Any], kept_source: str, kept_course_key: str) -> None:
        self.session.execute(update(duplicate_records).where(
            duplicate_records.c.source == duplicate["source"],
            duplicate_records.c.course_key == duplicate["course_key"],
            duplicate_records.c.account_id == duplicate["account_id"]).values(
            kept_source=kept_source, kept_course_key=kept_course_key))

    def drop_key(self, source: str, course_key: str, account_id: str) -> None:
        """A record's match key, when it stops being kept."""
        self.session.execute(delete(match_keys).where(
            match_keys.c.source == source, match_keys.c.course_key == course_key,
            match_keys.c.account_id == account_id))

    def take_out_record(self, record: dict[str, Any]) -> None:
        """A kept record that became a duplicate leaves the records (its row is in
        ``duplicate_records`` now; its withdrawal is published by the caller)."""
        self.session.execute(delete(attendance).where(
            attendance.c.source == record["source"],
            attendance.c.course_key == record["course_key"],
            attendance.c.account_id == record["account_id"],
            attendance.c.start_year == record["start_year"]))


def _probe_statement() -> Select[Any]:
    """The match probe on PostgreSQL: the keys as one JSON document grouped by place
    (organiser, start date, title digest: a course), each place looked up by its own
    probe of the index's primary key with its accounts as an array the index is searched
    with, and the record a key names read from its
    course's year only (a key's start date is its course's, ``start_year`` that date's
    year), so each probe touches one partition of the attendance, not every year's.

    The probe per place is a ``LATERAL`` subquery kept apart by ``OFFSET 0`` (the planner
    does not merge it into a plain join): the keys drive, whatever the statistics say.
    (A subquery per key, 5,000 for a file's chunk, spent most of the probe's time
    setting each up and reading the JSON; one per place is 50.)
    As a plain join, statistics taken while the tables were small (the planner then
    believes a source has a row or two in each partition) had the planner read all of
    the source's attendance of the chunk's years and probe the index once per row: a
    cost that grew with every row written until the next ``ANALYZE`` (0.6 s a chunk
    after 45,000 rows). The text never changes with the number of keys, so psycopg
    prepares it (from its fifth use on a connection) and the server stops parsing and
    planning each chunk's query anew."""
    wanted = func.json_to_recordset(cast(bindparam("keys", type_=Text()), JSON)).table_valued(
        column("organiser_unit_code", Text()), column("start_date", Date()),
        column("title_digest", Text()), column("accounts", ARRAY(Text())),
    ).render_derived(name="wanted", with_types=True)
    key, record = match_keys.c, attendance.c
    named = select(key.account_id, key.source, key.course_key).join_from(match_keys, attendance, and_(
        record.source == key.source, record.course_key == key.course_key,
        record.account_id == key.account_id,
        record.start_year == cast(extract("year", key.start_date), SmallInteger),
    )).where(
        key.organiser_unit_code == wanted.c.organiser_unit_code,
        key.start_date == wanted.c.start_date,
        key.title_digest == wanted.c.title_digest,
        key.account_id == any_(wanted.c.accounts),
        key.source != bindparam("source", type_=Text()),
        record.start_year == any_(bindparam("years", type_=ARRAY(SmallInteger))),
        record.withdrawn_reason.is_(None), record.trial.is_(False),
    ).offset(literal_column("0")).lateral("named")
    return select(
        wanted.c.organiser_unit_code, wanted.c.start_date, wanted.c.title_digest,
        named.c.account_id, named.c.source, named.c.course_key,
    ).select_from(wanted).join(named, true()).order_by(named.c.source, named.c.course_key)


_PROBE = _probe_statement()


def _probe(source: str, keys: list[tuple[str, date, str, str]]
           ) -> tuple[Select[Any], dict[str, Any]]:
    accounts: dict[tuple[str, date, str], list[str]] = {}
    for organiser, start, digest, account in keys:
        accounts.setdefault((organiser, start, digest), []).append(account)
    document = json.dumps([
        {"organiser_unit_code": organiser, "start_date": start.isoformat(),
         "title_digest": digest, "accounts": accounts[(organiser, start, digest)]}
        for organiser, start, digest in sorted(accounts)], ensure_ascii=False,
        separators=(",", ":"))
    return _PROBE, {"keys": document, "source": source,
                    "years": sorted({start.year for _, start, _, _ in keys})}


def _probe_listed(source: str, keys: list[tuple[str, date, str, str]]
                  ) -> tuple[Select[Any], dict[str, Any]]:
    """Elsewhere (SQLite, one table for every year): the keys as a row-value ``IN``."""
    key, record = match_keys.c, attendance.c
    return select(
        key.organiser_unit_code, key.start_date, key.title_digest, key.account_id,
        key.source, key.course_key,
    ).join(attendance, and_(
        record.source == key.source, record.course_key == key.course_key,
        record.account_id == key.account_id,
    )).where(
        tuple_(key.organiser_unit_code, key.start_date, key.title_digest,
               key.account_id).in_(keys),
        key.source != source, record.withdrawn_reason.is_(None), record.trial.is_(False),
    ).order_by(key.source, key.course_key), {}


def _key_rows(source: str, courses: Sequence[CourseKeys]) -> list[dict[str, Any]]:
    return [{"organiser_unit_code": organiser, "start_date": start, "title_digest": digest,
             "account_id": account, "source": source, "course_key": course_key}
            for (organiser, start, digest), course_key, accounts in courses
            for account in accounts]


def _key_lines(rows: list[dict[str, Any]]) -> list[str]:
    """Match keys in COPY's text format, in ``_KEY_COLUMNS``' order."""
    text = copy_text.text
    return [f"{text(row['organiser_unit_code'])}\t{row['start_date'].isoformat()}\t"
            f"{text(row['title_digest'])}\t{text(row['account_id'])}\t"
            f"{text(row['source'])}\t{text(row['course_key'])}" for row in rows]


def _nothing() -> None:
    """Nothing to write."""


def _oldest_first(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["found_at"], row["source"], row["course_key"], row["account_id"])


def _chunked(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]
