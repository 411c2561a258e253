"""The records sources report: courses and attendance by the source's own keys.

A batch reads what it touches in one query per kind (``course_states``,
``attendance_states``) and writes with ``executemany``; a sealed (archived) source's
records are never written (the handler refuses first)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, tuple_, update
from sqlalchemy.orm import Session

from services.transfer.adapters.tables import attendance, courses

_CHUNK = 500  # keys per IN list: far under every database's parameter limit


@dataclass(frozen=True)
class Stored:
    digest: str
    version: int
    withdrawn: bool


class RecordRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def course_states(self, source: str, keys: Iterable[str]) -> dict[str, Stored]:
        found: dict[str, Stored] = {}
        for chunk in _chunks(sorted(set(keys))):
            rows = self.session.execute(select(
                courses.c.course_key, courses.c.digest, courses.c.version,
                courses.c.withdrawn_reason).where(
                courses.c.source == source, courses.c.course_key.in_(chunk)))
            for row in rows:
                found[row.course_key] = Stored(row.digest, row.version,
                                               row.withdrawn_reason is not None)
        return found

    def courses(self, source: str, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(sorted(set(keys))):
            rows = self.session.execute(select(courses).where(
                courses.c.source == source, courses.c.course_key.in_(chunk)))
            found.update({row.course_key: dict(row._mapping) for row in rows})
        return found

    def attendance_states(self, source: str,
                          keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Stored]:
        found: dict[tuple[str, str], Stored] = {}
        for chunk in _chunks(sorted(set(keys))):
            rows = self.session.execute(select(
                attendance.c.course_key, attendance.c.account_id, attendance.c.digest,
                attendance.c.version, attendance.c.withdrawn_reason).where(
                attendance.c.source == source,
                tuple_(attendance.c.course_key, attendance.c.account_id).in_(chunk)))
            for row in rows:
                found[(row.course_key, row.account_id)] = Stored(
                    row.digest, row.version, row.withdrawn_reason is not None)
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
        if rows:
            self.session.execute(insert(attendance), list(rows))

    def change_attendance(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self.session.execute(update(attendance).where(
                attendance.c.source == bindparam("b_source"),
                attendance.c.course_key == bindparam("b_key"),
                attendance.c.account_id == bindparam("b_account")),
                [{**row, "b_source": row["source"], "b_key": row["course_key"],
                  "b_account": row["account_id"]} for row in rows])

    def bump_attendance_versions(self, source: str, course_key: str, at: datetime) -> None:
        """Every live attendance of a changed course counts as changed too: its event
        carries the course's title, dates and organiser."""
        self.session.execute(update(attendance).where(
            attendance.c.source == source, attendance.c.course_key == course_key,
            attendance.c.withdrawn_reason.is_(None)).values(
            version=attendance.c.version + 1, updated_at=at))

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


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]
