"""Repositories of closing (R-CRS-5…7, R-CRS-11) on the unit of work's session. The
handlers' fakes (tests/courses/unit) keep the same methods in memory."""
from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.orm import Session

from servicekit.db import insert_for
from services.courses.adapters.orm import (
    amendment_routes,
    amendments,
    attendance_reviews,
    attendees,
    course_audit,
    course_closing,
    course_tags,
    courses,
    enrolments,
    teacher_replica,
    transcript_entries,
    unit_lights,
    unit_replica,
)
from services.courses.adapters.search_index import SearchIndex
from services.courses.domain.amendments import Amendment
from services.courses.domain.closing import HELD_NOT_CLOSED, Attendee, HeldCourse
from services.courses.domain.lights import Light
from services.courses.domain.transcripts import Entry

_COURSE_COLUMNS = (courses.c.course_id, courses.c.code, courses.c.status, courses.c.title,
                   courses.c.unit_code, courses.c.reviewing_authority_code, courses.c.starts_on,
                   courses.c.ends_on, courses.c.hours, courses.c.class_type, courses.c.version,
                   courses.c.place)


def _course(row: Any) -> HeldCourse:
    return HeldCourse(*row)


class ClosingCourses:
    """What closing reads and writes of courses (the lifecycle's own repository keeps the
    rest of a course)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, course_id: str, *, for_update: bool = False) -> HeldCourse | None:
        query = select(*_COURSE_COLUMNS).where(courses.c.course_id == course_id)
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).first()
        return _course(row) if row else None

    def save(self, course: HeldCourse, now: datetime, *, closed: bool = False) -> None:
        """Writes what closing changes: the status, the amendable fields, the version."""
        values: dict[str, Any] = {
            "status": course.status, "title": course.title, "place": course.place,
            "starts_on": course.starts_on, "ends_on": course.ends_on, "hours": course.hours,
            "version": course.version, "updated_at": now}
        if closed:
            values["closed_at"] = now
        self.session.execute(update(courses).where(courses.c.course_id == course.course_id)
                             .values(**values))
        SearchIndex(self.session).refresh([course.course_id])  # an amended title (R-CRS-9)

    def held_not_closed(self, year: int, unit_code: str | None = None) -> list[HeldCourse]:
        c = courses.c
        query = select(*_COURSE_COLUMNS).where(
            c.status.in_(sorted(HELD_NOT_CLOSED)), c.ends_on >= date(year, 1, 1),
            c.ends_on <= date(year, 12, 31))
        if unit_code is not None:
            query = query.where(c.unit_code == unit_code)
        return [_course(row) for row in self.session.execute(query)]

    def tags(self, course_id: str) -> list[str]:
        """The course's policy tags (R-CRS-8), codes of the ``tag`` vocabulary."""
        return sorted(self.session.scalars(select(course_tags.c.tag_code)
                                           .where(course_tags.c.course_id == course_id)))

    def organiser(self, unit_code: str) -> str:
        name = self.session.scalar(select(unit_replica.c.name)
                                   .where(unit_replica.c.code == unit_code))
        return name or unit_code

    def unit(self, unit_code: str) -> dict[str, Any] | None:
        row = self.session.execute(select(unit_replica)
                                   .where(unit_replica.c.code == unit_code)).first()
        return dict(row._mapping) if row else None


class AttendanceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def enrolled_accounts(self, course_id: str) -> set[str]:
        """The teachers holding a seat: an attendee not among them is a walk-in."""
        return set(self.session.scalars(select(enrolments.c.account_id).where(
            enrolments.c.course_id == course_id, enrolments.c.status == "enrolled")))

    def teacher_statuses(self, account_ids: list[str]) -> dict[str, str]:
        """Each account's status in the teachers' replica (absent: not a teacher known)."""
        if not account_ids:
            return {}
        t = teacher_replica.c
        return dict(self.session.execute(select(t.account_id, t.status)
                                         .where(t.account_id.in_(account_ids))).all())

    def replace(self, course_id: str, listed: list[Attendee], submitted_at: datetime,
                submitted_by: str, late: bool) -> None:
        self.session.execute(delete(attendees).where(attendees.c.course_id == course_id))
        if listed:
            self.session.execute(attendees.insert(), [
                {"course_id": course_id, "account_id": a.account_id, "hours": a.hours,
                 "walk_in": a.walk_in} for a in listed])
        self.session.execute(delete(course_closing).where(course_closing.c.course_id == course_id))
        self.session.execute(course_closing.insert().values(
            course_id=course_id, submitted_at=submitted_at, submitted_by=submitted_by, late=late))

    def attendees(self, course_id: str) -> list[Attendee]:
        c = attendees.c
        return [Attendee(row.account_id, row.hours, row.walk_in) for row in self.session.execute(
            select(c.account_id, c.hours, c.walk_in).where(c.course_id == course_id)
            .order_by(c.account_id))]

    def submission(self, course_id: str) -> dict[str, Any] | None:
        row = self.session.execute(select(course_closing)
                                   .where(course_closing.c.course_id == course_id)).first()
        return dict(row._mapping) if row else None

    def set_hours(self, course_id: str, account_id: str, hours: Decimal) -> None:
        self.session.execute(update(attendees).where(
            attendees.c.course_id == course_id, attendees.c.account_id == account_id)
            .values(hours=hours))

    def add(self, course_id: str, attendee: Attendee) -> None:
        """A teacher an approved amendment adds to a closed course's list."""
        self.session.execute(attendees.insert().values(
            course_id=course_id, account_id=attendee.account_id, hours=attendee.hours,
            walk_in=attendee.walk_in))

    def remove(self, course_id: str, account_id: str) -> None:
        self.session.execute(delete(attendees).where(
            attendees.c.course_id == course_id, attendees.c.account_id == account_id))

    def add_review(self, course_id: str, decision: str, reasons: list[str], comment: str | None,
                   reviewer: str, decided_at: datetime) -> None:
        self.session.execute(attendance_reviews.insert().values(
            review_id=str(uuid.uuid4()), course_id=course_id, decision=decision,
            reasons=reasons, comment=comment, reviewer_account_id=reviewer,
            decided_at=decided_at))

    def reviews(self, course_id: str) -> list[dict[str, Any]]:
        c = attendance_reviews.c
        return [dict(row._mapping) for row in self.session.execute(
            select(c.decision, c.reasons, c.comment, c.reviewer_account_id, c.decided_at)
            .where(c.course_id == course_id).order_by(c.decided_at))]


class AmendmentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def routes(self) -> dict[str, str]:
        return dict(self.session.execute(select(amendment_routes.c.category,
                                                amendment_routes.c.approver)).all())

    def put_route(self, category: str, approver: str, now: datetime, by: str) -> None:
        statement = insert_for(self.session.get_bind().dialect.name, amendment_routes)
        self.session.execute(statement.values(category=category, approver=approver,
                                              updated_at=now, updated_by=by)
                             .on_conflict_do_update(index_elements=[amendment_routes.c.category],
                                                    set_={"approver": approver, "updated_at": now,
                                                          "updated_by": by}))

    def add(self, amendment: Amendment) -> None:
        row = asdict(amendment)
        row.pop("audit")
        self.session.execute(amendments.insert().values(**row))

    def get(self, amendment_id: str) -> Amendment | None:
        row = self.session.execute(select(amendments).where(
            amendments.c.amendment_id == amendment_id).with_for_update()).first()
        if row is None:
            return None
        amendment = Amendment(**dict(row._mapping))
        c = course_audit.c
        amendment.audit = [dict(r._mapping) for r in self.session.execute(
            select(c.field, c.old_value, c.new_value, c.changed_by, c.changed_at, c.reference)
            .where(c.amendment_id == amendment_id).order_by(c.field))]
        return amendment

    def save(self, amendment: Amendment) -> None:
        self.session.execute(update(amendments).where(
            amendments.c.amendment_id == amendment.amendment_id).values(
            status=amendment.status, decided_by=amendment.decided_by,
            decided_at=amendment.decided_at, reference=amendment.reference,
            comment=amendment.comment))
        known = self.session.scalar(select(course_audit.c.audit_id).where(
            course_audit.c.amendment_id == amendment.amendment_id).limit(1))
        if amendment.audit and known is None:
            self.session.execute(course_audit.insert(), [
                {"audit_id": str(uuid.uuid4()), "course_id": amendment.course_id,
                 "amendment_id": amendment.amendment_id, **record}
                for record in amendment.audit])

    def batch(self, approver: str, month: str) -> list[Amendment]:
        rows = self.session.execute(select(amendments).where(and_(
            amendments.c.approver_authority_code == approver, amendments.c.batch_month == month))
            .order_by(amendments.c.requested_at))
        return [Amendment(**dict(row._mapping)) for row in rows]

    def of_unit(self, unit_code: str, status: str | None, course_id: str | None, page: int,
                per_page: int) -> tuple[list[dict[str, Any]], int]:
        """A page of the unit's requests, newest first, each with its course's code and
        title (as they are now), and how many there are in all."""
        a = amendments.c
        where = [a.unit_code == unit_code]
        if status is not None:
            where.append(a.status == status)
        if course_id is not None:
            where.append(a.course_id == course_id)
        total = self.session.scalar(select(func.count()).select_from(amendments)
                                    .where(*where)) or 0
        rows = self.session.execute(
            select(amendments, courses.c.code.label("course_code"),
                   courses.c.title.label("course_title"))
            .join(courses, courses.c.course_id == a.course_id).where(*where)
            .order_by(a.requested_at.desc(), a.amendment_id)
            .limit(per_page).offset((page - 1) * per_page))
        return [dict(row._mapping) for row in rows], total


class LightCounts:
    """The light each unit was last counted at (R-CRS-7)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, unit_code: str) -> Light | None:
        c = unit_lights.c
        row = self.session.execute(select(c.unit_code, c.year, c.overdue, c.light, c.version)
                                   .where(c.unit_code == unit_code)).first()
        return Light(*row) if row else None

    def save(self, light: Light, now: datetime) -> None:
        statement = insert_for(self.session.get_bind().dialect.name, unit_lights)
        values = {"year": light.year, "overdue": light.overdue, "light": light.light,
                  "version": light.version, "counted_at": now}
        self.session.execute(statement.values(unit_code=light.unit_code, **values)
                             .on_conflict_do_update(index_elements=[unit_lights.c.unit_code],
                                                    set_=values))

    def lit_units(self) -> list[str]:
        """Units whose kept light is not green (a recount must look at them too)."""
        return list(self.session.scalars(select(unit_lights.c.unit_code)
                                          .where(unit_lights.c.overdue > 0)))


class TranscriptRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def put(self, account_id: str, entry: Entry, version: int, now: datetime) -> None:
        """The network's own entry, written with the hours it issues (same transaction)."""
        statement = insert_for(self.session.get_bind().dialect.name, transcript_entries)
        values = {"account_id": account_id, "hours": entry.hours, "title": entry.title,
                  "organiser": entry.organiser, "starts_on": entry.starts_on,
                  "ends_on": entry.ends_on, "tags": list(entry.tags), "withdrawn": False,
                  "version": version, "updated_at": now}
        self.session.execute(statement.values(source=entry.source, record_key=entry.record_key,
                                              **values).on_conflict_do_update(
            index_elements=[transcript_entries.c.source, transcript_entries.c.record_key],
            set_=values))

    def withdraw(self, account_id: str, source: str, record_key: str, version: int,
                 now: datetime) -> None:
        """The entry stays as a tombstone (no hours, withdrawn), so it counts no more."""
        self.session.execute(update(transcript_entries).where(
            transcript_entries.c.source == source, transcript_entries.c.record_key == record_key,
            transcript_entries.c.account_id == account_id)
            .values(hours=0, withdrawn=True, version=version, updated_at=now))

    def entries(self, account_id: str) -> list[Entry]:
        c = transcript_entries.c
        return [Entry(row.source, row.record_key, row.hours, row.title, row.organiser,
                      row.starts_on, row.ends_on, tuple(row.tags))
                for row in self.session.execute(select(transcript_entries).where(
                    c.account_id == account_id, c.withdrawn.is_(False)))]
