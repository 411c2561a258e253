"""What the rules of time read and keep (``tables.py``): the deliveries of each source
per day, its own monthly counts, the audits and the deadline findings. The records'
tables are only read here (the duplicate records: ``duplicates_repo.py``)."""
from __future__ import annotations

import functools
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from servicekit.db import insert_for
from services.transfer.adapters.tables import (
    attendance,
    audits,
    courses,
    deadline_findings,
    reported_counts,
    source_deliveries,
)


@functools.cache
def _delivered(dialect: str) -> Any:
    """``Deliveries.record``'s upsert, built once per dialect (each batch runs it)."""
    statement = insert_for(dialect, source_deliveries)
    return statement.on_conflict_do_update(
        index_elements=["source", "day", "kind"],
        set_={"batches": source_deliveries.c.batches + 1,
              "rows": source_deliveries.c.rows + statement.excluded.rows,
              "last_at": statement.excluded.last_at})


class Deliveries:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, source: str, day: date, kind: str, rows: int, at: datetime) -> None:
        """One more batch (or file) of ``rows`` rows from ``source`` on ``day``."""
        self.session.execute(_delivered(self.session.get_bind().dialect.name), {
            "source": source, "day": day, "kind": kind, "batches": 1, "rows": rows,
            "last_at": at})

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

    def stated(self, source: str) -> list[dict[str, Any]]:
        """Every month the source stated, newest first, with who and when."""
        rows = self.session.execute(select(reported_counts).where(
            reported_counts.c.source == source).order_by(reported_counts.c.month.desc()))
        return [{"month": row.month.isoformat()[:7], "courses": row.courses,
                 "attendance": row.attendance, "hours": Decimal(row.hours),
                 "reported_by": row.reported_by, "reported_at": row.reported_at}
                for row in rows]

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
