"""Reading and writing courses with their meetings, tags, series, review decisions and
attachments, in the unit of work's transaction."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, delete, func, insert, select, update
from sqlalchemy.orm import Session

from servicekit.db import insert_for
from servicekit.dml import rows_changed
from services.courses.adapters.orm import (
    course_attachments,
    course_code_sequences,
    course_meetings,
    course_reviews,
    course_series,
    course_tags,
    courses,
    enrolments,
)
from services.courses.adapters.search_index import SearchIndex
from services.courses.domain.attachments import Attachment
from services.courses.domain.courses import (
    QUEUE_SORT_KEYS,
    Course,
    Meeting,
    Review,
    Series,
)

# Columns of ``courses`` this repository maps to Course fields of the same name.
_MAPPED = ("course_id", "code", "status", "title", "unit_code", "organiser_account_id",
           "audiences", "class_type", "nature", "category", "subcategory", "subject",
           "time_slot", "hours", "place", "county_code", "lecturers", "capacity",
           "enrolment_opens_at", "enrolment_closes_at", "organiser_accepts", "fairness",
           "series_id", "reviewing_authority_code", "version", "created_at", "updated_at",
           "submitted_at", "approved_at", "closed_at")
QUEUE_SORTS = {key: courses.c[key] for key in QUEUE_SORT_KEYS}


class CourseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- codes ------------------------------------------------------------------------------
    def next_number(self, year: int) -> int:
        """The year's next course number: one conditional increment (the row's lock holds
        concurrent registrations of the year in line until this transaction ends)."""
        dialect = self.session.get_bind().dialect.name
        self.session.execute(insert_for(dialect, course_code_sequences)
                             .values(year=year, last_number=0).on_conflict_do_nothing())
        seq = course_code_sequences.c
        return int(self.session.execute(
            update(course_code_sequences).where(seq.year == year)
            .values(last_number=seq.last_number + 1).returning(seq.last_number)).scalar_one())

    # -- courses ----------------------------------------------------------------------------
    def add(self, course: Course) -> None:
        self.session.execute(insert(courses).values(**self._row(course)))
        self._write_parts(course)
        SearchIndex(self.session).refresh([course.course_id])  # R-CRS-9: found as saved

    def update(self, course: Course, expected_version: int) -> bool:
        """Writes the course if nobody changed it since ``expected_version`` was read."""
        row = self._row(course)
        del row["course_id"]
        written = self.session.execute(
            update(courses).where(courses.c.course_id == course.course_id,
                                  courses.c.version == expected_version).values(**row))
        if rows_changed(written) != 1:
            return False
        self.session.execute(delete(course_meetings)
                             .where(course_meetings.c.course_id == course.course_id))
        self.session.execute(delete(course_tags).where(course_tags.c.course_id == course.course_id))
        self._write_parts(course)
        SearchIndex(self.session).refresh([course.course_id])  # R-CRS-9: found as saved
        return True

    def get(self, course_id: str) -> Course | None:
        found = self._load(select(courses).where(courses.c.course_id == course_id))
        return found[0] if found else None

    def many(self, course_ids: Sequence[str]) -> list[Course]:
        """The courses of the ids (any order; an unknown id is left out)."""
        return self._load(select(courses).where(courses.c.course_id.in_(course_ids))) \
            if course_ids else []

    def review_queue(self, authority: str, statuses: Sequence[str], unit_code: str | None,
                     starts_from: date | None, starts_to: date | None, sort: str,
                     descending: bool, page: int, per_page: int) -> tuple[list[Course], int]:
        c = courses.c
        conditions = [c.reviewing_authority_code == authority, c.status.in_(statuses)]
        if unit_code:
            conditions.append(c.unit_code == unit_code)
        return self._listed(conditions, starts_from, starts_to, sort, descending, page, per_page)

    def of_unit(self, unit_code: str, statuses: Sequence[str], starts_from: date | None,
                starts_to: date | None, sort: str, descending: bool, page: int,
                per_page: int) -> tuple[list[Course], int]:
        """A unit's own courses in every state (its drafts too), for its organisers."""
        c = courses.c
        conditions = [c.unit_code == unit_code]
        if statuses:
            conditions.append(c.status.in_(statuses))
        return self._listed(conditions, starts_from, starts_to, sort, descending, page, per_page)

    def _listed(self, conditions: list[Any], starts_from: date | None, starts_to: date | None,
                sort: str, descending: bool, page: int,
                per_page: int) -> tuple[list[Course], int]:
        c = courses.c
        if starts_from:
            conditions.append(c.starts_on >= starts_from)
        if starts_to:
            conditions.append(c.starts_on <= starts_to)
        where = and_(*conditions)
        total = self.session.scalar(select(func.count()).select_from(courses).where(where)) or 0
        key = QUEUE_SORTS[sort]
        return self._load(select(courses).where(where)
                          .order_by(key.desc() if descending else key.asc(), c.code)
                          .limit(per_page).offset((page - 1) * per_page)), total

    def enrolment_counts(self, course_id: str) -> dict[str, int]:
        """Enrolments of the course by status (the enrolment part owns the rows)."""
        e = enrolments.c
        return {str(status): int(count) for status, count in self.session.execute(
            select(e.status, func.count()).where(e.course_id == course_id).group_by(e.status))}

    # -- series -----------------------------------------------------------------------------
    def add_series(self, series: Series) -> None:
        self.session.execute(insert(course_series).values(
            series_id=series.series_id, unit_code=series.unit_code, title=series.title,
            one_session_per_teacher=series.one_session_per_teacher,
            created_at=series.created_at))

    def series(self, series_id: str) -> Series | None:
        row = self.session.execute(select(course_series)
                                   .where(course_series.c.series_id == series_id)).first()
        return Series(**row._mapping) if row else None

    def series_of_unit(self, unit_code: str) -> list[tuple[Series, int]]:
        """The unit's series by title, each with how many of its courses are its sessions."""
        sessions = (select(courses.c.series_id, func.count().label("sessions"))
                    .where(courses.c.unit_code == unit_code, courses.c.series_id.is_not(None))
                    .group_by(courses.c.series_id)
                    .subquery())
        rows = self.session.execute(
            select(course_series, func.coalesce(sessions.c.sessions, 0).label("sessions"))
            .select_from(course_series.outerjoin(
                sessions, sessions.c.series_id == course_series.c.series_id))
            .where(course_series.c.unit_code == unit_code)
            .order_by(course_series.c.title, course_series.c.created_at))
        return [(Series(row.series_id, row.unit_code, row.title, row.one_session_per_teacher,
                        row.created_at), int(row.sessions)) for row in rows]

    # -- reviews ----------------------------------------------------------------------------
    def add_review(self, review: Review) -> None:
        self.session.execute(insert(course_reviews).values(**vars(review)))

    def reviews(self, course_id: str) -> list[Review]:
        r = course_reviews.c
        return [Review(**row._mapping) for row in self.session.execute(
            select(course_reviews).where(r.course_id == course_id)
            .order_by(r.decided_at, r.review_id))]

    # -- attachments ------------------------------------------------------------------------
    def add_attachment(self, attachment: Attachment) -> None:
        self.session.execute(insert(course_attachments).values(**vars(attachment)))

    def attachments(self, course_id: str) -> list[Attachment]:
        a = course_attachments.c
        return [Attachment(**row._mapping) for row in self.session.execute(
            select(course_attachments).where(a.course_id == course_id)
            .order_by(a.uploaded_at, a.attachment_id))]

    def attachment(self, course_id: str, attachment_id: str) -> Attachment | None:
        a = course_attachments.c
        row = self.session.execute(select(course_attachments).where(
            a.course_id == course_id, a.attachment_id == attachment_id)).first()
        return Attachment(**row._mapping) if row else None

    # -- mapping ----------------------------------------------------------------------------
    @staticmethod
    def _row(course: Course) -> dict[str, Any]:
        row = {name: getattr(course, name) for name in _MAPPED}
        row.update(starts_on=course.starts_on, ends_on=course.ends_on)
        return row

    def _write_parts(self, course: Course) -> None:
        if course.meetings:
            self.session.execute(insert(course_meetings), [
                {"course_id": course.course_id, "position": n, "meets_on": m.on,
                 "starts_at": m.starts_at, "ends_at": m.ends_at}
                for n, m in enumerate(sorted(course.meetings, key=lambda m: (m.on, m.starts_at)))])
        if course.tags:
            self.session.execute(insert(course_tags), [
                {"course_id": course.course_id, "tag_code": tag} for tag in course.tags])

    def _load(self, query: Select[Any]) -> list[Course]:
        rows: list[dict[str, Any]] = [dict(found._mapping)
                                      for found in self.session.execute(query)]
        if not rows:
            return []
        ids = [row["course_id"] for row in rows]
        meetings: dict[str, list[Meeting]] = {course_id: [] for course_id in ids}
        m = course_meetings.c
        for row in self.session.execute(select(course_meetings).where(m.course_id.in_(ids))
                                        .order_by(m.course_id, m.position)):
            meetings[row.course_id].append(Meeting(row.meets_on, row.starts_at, row.ends_at))
        tags: dict[str, list[str]] = {course_id: [] for course_id in ids}
        for course_id, tag in self.session.execute(
                select(course_tags.c.course_id, course_tags.c.tag_code)
                .where(course_tags.c.course_id.in_(ids)).order_by(course_tags.c.tag_code)):
            tags[course_id].append(tag)
        loaded = []
        for values in rows:
            known = {name: values.pop(name) for name in _MAPPED}
            values.pop("starts_on"), values.pop("ends_on")
            known["hours"] = Decimal(known["hours"]).quantize(Decimal("0.1"))
            loaded.append(Course(**known, meetings=meetings[known["course_id"]],
                                 tags=tags[known["course_id"]], extra=values))
        return loaded
