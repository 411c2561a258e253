"""The duplicate match rule's storage (R-TRF-11, ``tables.py``): the linked duplicates,
the match keys of the records kept, and the moves between the two when a kept record is
withdrawn (its oldest duplicate promoted) or its course is matched again (a record that
now collides becomes a duplicate). The records' own writes go through ``records_repo``;
only moving a record out into ``duplicate_records`` deletes its attendance row here."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import and_, delete, insert, select, tuple_, update
from sqlalchemy.orm import Session

from servicekit.db import insert_for
from servicekit.dml import rows_changed
from services.transfer.adapters.tables import attendance, courses, duplicate_records, match_keys

_CHUNK = 500


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
        wanted = sorted(set(keys))
        for start in range(0, len(wanted), _CHUNK // 2):
            chunk = wanted[start:start + _CHUNK // 2]
            rows = self.session.execute(select(
                match_keys.c.organiser_unit_code, match_keys.c.start_date,
                match_keys.c.title_digest, match_keys.c.account_id, match_keys.c.source,
                match_keys.c.course_key).join(attendance, and_(
                    attendance.c.source == match_keys.c.source,
                    attendance.c.course_key == match_keys.c.course_key,
                    attendance.c.account_id == match_keys.c.account_id)).where(
                tuple_(match_keys.c.organiser_unit_code, match_keys.c.start_date,
                       match_keys.c.title_digest, match_keys.c.account_id).in_(chunk),
                match_keys.c.source != source, attendance.c.withdrawn_reason.is_(None),
                attendance.c.trial.is_(False))
                .order_by(match_keys.c.source, match_keys.c.course_key))
            for row in rows:
                found.setdefault((row.organiser_unit_code, row.start_date, row.title_digest,
                                  row.account_id), (row.source, row.course_key))
        return found

    def add_keys(self, rows: Sequence[dict[str, Any]]) -> None:
        """Match keys of records kept (a key already there stays as it is)."""
        if rows:
            dialect = self.session.get_bind().dialect.name
            self.session.execute(insert_for(dialect, match_keys).on_conflict_do_nothing(),
                                 list(rows))

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
        wanted = sorted(set(keys))
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start:start + _CHUNK]
            course_keys = sorted({key for key, _ in chunk})
            rows = self.session.execute(select(
                duplicate_records.c.course_key, duplicate_records.c.account_id,
                duplicate_records.c.digest).where(
                duplicate_records.c.source == source,
                duplicate_records.c.course_key.in_(course_keys)))
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


def _oldest_first(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["found_at"], row["source"], row["course_key"], row["account_id"])


def _chunked(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]
