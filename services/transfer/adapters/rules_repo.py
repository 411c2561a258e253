"""What the rules of time and the duplicate match read and keep (``tables.py``): the
deliveries of each source per day, its own monthly counts, the audits, the deadline
findings, and the duplicate records. The records' tables are only read here."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, tuple_, update
from sqlalchemy.orm import Session

from servicekit.db import insert_for
from servicekit.dml import rows_changed
from services.transfer.adapters.tables import (
    attendance,
    audits,
    courses,
    deadline_findings,
    duplicate_records,
    match_keys,
    reported_counts,
    source_deliveries,
)

_CHUNK = 500


class Deliveries:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, source: str, day: date, kind: str, rows: int, at: datetime) -> None:
        """One more batch (or file) of ``rows`` rows from ``source`` on ``day``."""
        dialect = self.session.get_bind().dialect.name
        statement = insert_for(dialect, source_deliveries).values(
            source=source, day=day, kind=kind, batches=1, rows=rows, last_at=at)
        self.session.execute(statement.on_conflict_do_update(
            index_elements=["source", "day", "kind"],
            set_={"batches": source_deliveries.c.batches + 1,
                  "rows": source_deliveries.c.rows + rows, "last_at": at}))

    def days(self, source: str, first: date, last: date) -> list[date]:
        return list(self.session.execute(select(source_deliveries.c.day).distinct().where(
            source_deliveries.c.source == source, source_deliveries.c.day >= first,
            source_deliveries.c.day <= last)).scalars())

    def last_day(self, source: str) -> date | None:
        return self.session.execute(select(func.max(source_deliveries.c.day)).where(
            source_deliveries.c.source == source)).scalar_one_or_none()

    def last_record_change(self, source: str) -> datetime | None:
        """When a record of the source last changed (sources that sent before deliveries
        were kept)."""
        moments = [self.session.execute(select(func.max(table.c.updated_at)).where(
            table.c.source == source)).scalar_one_or_none() for table in (courses, attendance)]
        found = [moment for moment in moments if moment is not None]
        return max(found) if found else None


class Audits:
    def __init__(self, session: Session) -> None:
        self.session = session

    def put_counts(self, source: str, month: date, counts: dict[str, Any], by: str,
                   at: datetime) -> None:
        self.session.execute(delete(reported_counts).where(
            reported_counts.c.source == source, reported_counts.c.month == month))
        self.session.execute(insert(reported_counts).values(
            source=source, month=month, courses=counts["courses"],
            attendance=counts["attendance"], hours=counts["hours"], reported_by=by,
            reported_at=at))

    def reported(self, source: str, first: date, last: date) -> dict[date, dict[str, Any]]:
        rows = self.session.execute(select(reported_counts).where(
            reported_counts.c.source == source, reported_counts.c.month >= first,
            reported_counts.c.month <= last))
        return {row.month: {"courses": row.courses, "attendance": row.attendance,
                            "hours": Decimal(row.hours)} for row in rows}

    def held(self, source: str, first: date, last_day: date) -> dict[date, dict[str, Any]]:
        """Live production records per month: courses by start, attendance (and its hours)
        by completion, between ``first`` and ``last_day``."""
        months: dict[date, dict[str, Any]] = {}

        def month(day: date) -> dict[str, Any]:
            return months.setdefault(day.replace(day=1), {
                "courses": 0, "attendance": 0, "hours": Decimal("0.0")})

        live = [courses.c.source == source, courses.c.withdrawn_reason.is_(None),
                courses.c.trial.is_(False), courses.c.start_date >= first,
                courses.c.start_date <= last_day]
        for day, count in self.session.execute(select(
                courses.c.start_date, func.count()).where(*live).group_by(courses.c.start_date)):
            month(day)["courses"] += count
        for day, count, hours in self.session.execute(select(
                attendance.c.completed_on, func.count(), func.sum(attendance.c.hours)).where(
                attendance.c.source == source, attendance.c.withdrawn_reason.is_(None),
                attendance.c.trial.is_(False), attendance.c.completed_on >= first,
                attendance.c.completed_on <= last_day).group_by(attendance.c.completed_on)):
            entry = month(day)
            entry["attendance"] += count
            entry["hours"] += Decimal(str(hours or 0))
        return months

    def exists(self, source: str, kind: str, first_month: date) -> bool:
        return self.session.execute(select(audits.c.audit_id).where(
            audits.c.source == source, audits.c.kind == kind,
            audits.c.first_month == first_month)).first() is not None

    def add(self, values: dict[str, Any]) -> None:
        self.session.execute(insert(audits).values(**values))

    def of(self, source: str) -> list[dict[str, Any]]:
        rows = self.session.execute(select(audits).where(audits.c.source == source)
                                    .order_by(audits.c.first_month.desc(), audits.c.kind))
        return [dict(row._mapping) for row in rows]

    def get(self, audit_id: str) -> dict[str, Any] | None:
        row = self.session.execute(select(audits).where(audits.c.audit_id == audit_id)).first()
        return dict(row._mapping) if row else None

    def record_finding(self, source: str, month: date, status: str, detail: dict[str, Any],
                       at: datetime) -> None:
        self.session.execute(delete(deadline_findings).where(
            deadline_findings.c.source == source, deadline_findings.c.month == month))
        self.session.execute(insert(deadline_findings).values(
            source=source, month=month, status=status, detail=detail, recorded_at=at))

    def findings(self, month: date) -> dict[str, dict[str, Any]]:
        rows = self.session.execute(select(deadline_findings).where(
            deadline_findings.c.month == month))
        return {row.source: dict(row._mapping) for row in rows}


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


def _chunked(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]

