"""The duplicate match rule's storage (R-TRF-11, ``tables.py``): the linked duplicates,
the probe that finds the record a new one matches (by its course's place: organiser,
start date and title digest, which ``transfer_courses`` keeps and indexes), and the moves
when a kept record is withdrawn (its oldest duplicate promoted) or its course is matched
again (a record that now collides becomes a duplicate). The records' own writes go
through ``records_repo``; only moving a record out into ``duplicate_records`` deletes its
attendance row here."""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

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

from servicekit.dml import rows_changed
from services.transfer.adapters.tables import attendance, courses, duplicate_records

_CHUNK = 500
_PROBED = 5_000  # a file's chunk (5,000 rows) probed in one statement


class Duplicates:
    def __init__(self, session: Session) -> None:
        self.session = session

    def matches(self, source: str,
                keys: Sequence[tuple[str, date, str, str]]) -> dict[tuple[str, date, str, str],
                                                                     tuple[str, str]]:
        """For each (organiser, start date, title digest, account) the live production
        record of another source at that place (its source and course key; the first by
        key when several): the courses there found by their place's index, then the
        account's record in each by its key."""
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
    (organiser, start date, title digest), each place looked up by its own probe of the
    courses' place index — in its start date's year only, one partition — and the
    records of the courses found there read by their primary key with the place's
    accounts as an array the key is searched with. Another source rarely has a course
    at the same place, so a probe usually ends at the courses' index.

    The probe per place is a ``LATERAL`` subquery kept apart by ``OFFSET 0`` (the planner
    does not merge it into a plain join): the keys drive, whatever the statistics say.
    As a plain join, statistics taken while the tables were small had the planner read
    all of the source's attendance of the chunk's years and probe once per row, a cost
    that grew with every row written until the next ``ANALYZE``. The text never changes
    with the number of keys, so psycopg prepares it (from its fifth use on a connection)
    and the server stops parsing and planning each chunk's query anew."""
    wanted = func.json_to_recordset(cast(bindparam("keys", type_=Text()), JSON)).table_valued(
        column("organiser_unit_code", Text()), column("start_date", Date()),
        column("title_digest", Text()), column("accounts", ARRAY(Text())),
    ).render_derived(name="wanted", with_types=True)
    course, record = courses.c, attendance.c
    years = bindparam("years", type_=ARRAY(SmallInteger))
    named = select(record.account_id, record.source, record.course_key).join_from(
        courses, attendance, and_(record.source == course.source,
                                  record.course_key == course.course_key,
                                  record.start_year == course.start_year),
    ).where(
        course.organiser_unit_code == wanted.c.organiser_unit_code,
        course.start_date == wanted.c.start_date,
        course.title_digest == wanted.c.title_digest,
        # The year's partitions only: by the chunk's years when planned, then by the
        # place's own year when run.
        course.start_year == any_(years), record.start_year == any_(years),
        course.start_year == cast(extract("year", wanted.c.start_date), SmallInteger),
        course.source != bindparam("source", type_=Text()),
        record.account_id == any_(wanted.c.accounts),
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
    course, record = courses.c, attendance.c
    return select(
        course.organiser_unit_code, course.start_date, course.title_digest,
        record.account_id, record.source, record.course_key,
    ).join(attendance, and_(
        record.source == course.source, record.course_key == course.course_key,
    )).where(
        tuple_(course.organiser_unit_code, course.start_date, course.title_digest,
               record.account_id).in_(keys),
        course.source != source, record.withdrawn_reason.is_(None), record.trial.is_(False),
    ).order_by(record.source, record.course_key), {}


def _oldest_first(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["found_at"], row["source"], row["course_key"], row["account_id"])


def _chunked(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]
