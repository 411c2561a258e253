"""Enrolments in the database (R-CRS-4). The seat statement is the one place a seat is
taken: a conditional ``UPDATE … RETURNING`` on the course's counter row, which also
hands out the arrival number; its row lock orders the course's attempts until commit."""
from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, delete, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from servicekit.after_commit import run_after_commit
from servicekit.db import insert_for
from servicekit.dml import rows_changed
from services.courses.adapters.orm import (
    course_seats,
    course_series,
    courses,
    enrolment_attempts,
    enrolment_mails,
    enrolments,
    lotteries,
    series_holds,
)
from services.courses.adapters.search_index import seats_moved
from services.courses.adapters.teachers import TeacherDirectory
from services.courses.domain.enrolment import (
    FULL,
    SEAT,
    SEATED,
    WAIT,
    WAITLISTED,
    Enrolment,
    EnrolmentCourse,
    seed_digest,
)

s, e = course_seats.c, enrolments.c


def _capacity(course_id: str) -> Any:
    return select(courses.c.capacity).where(courses.c.course_id == course_id).scalar_subquery()


class PlaceTaken(Exception):
    """Another attempt of the same teacher (same course, or a session of the same series)
    committed first: the unique key refused this one; its transaction is rolled back."""


def course_of(row: Any) -> EnrolmentCourse:
    return EnrolmentCourse(row.course_id, row.code, row.title, row.status, row.unit_code, row.capacity,
                  row.enrolment_opens_at, row.enrolment_closes_at, row.organiser_accepts,
                  row.fairness, row.series_id, bool(row.one_session_per_teacher), row.starts_on)


def enrolment_of(row: Any) -> Enrolment:
    return Enrolment(row.enrolment_id, row.course_id, row.account_id, row.status, row.arrival,
                     row.created_at, row.updated_at)


COURSE_COLUMNS = (courses.c.course_id, courses.c.code, courses.c.title, courses.c.status,
                  courses.c.unit_code, courses.c.capacity, courses.c.enrolment_opens_at,
                  courses.c.enrolment_closes_at, courses.c.organiser_accepts, courses.c.fairness,
                  courses.c.series_id, courses.c.starts_on,
                  func.coalesce(course_series.c.one_session_per_teacher, False)
                  .label("one_session_per_teacher"))


class SqlEnrolmentRepository:
    def __init__(self, session: Session, on_mail: Callable[[list[int]], object] | None = None
                 ) -> None:
        self.session = session
        self._on_mail = on_mail

    # -- courses ---------------------------------------------------------------------------
    def course(self, course_id: str) -> EnrolmentCourse | None:
        row = self.session.execute(
            select(*COURSE_COLUMNS)
            .select_from(courses.outerjoin(course_series,
                                           course_series.c.series_id == courses.c.series_id))
            .where(courses.c.course_id == course_id)).first()
        return course_of(row) if row else None

    def lottery_courses(self, closing_before: datetime | None = None,
                        opened_before: datetime | None = None) -> list[EnrolmentCourse]:
        """Approved lottery courses whose window has closed (not drawn yet), or opened
        (no seed yet)."""
        query = (select(*COURSE_COLUMNS)
                 .select_from(courses.outerjoin(course_series,
                                                course_series.c.series_id == courses.c.series_id)
                              .outerjoin(lotteries, lotteries.c.course_id == courses.c.course_id))
                 .where(courses.c.fairness == "lottery", courses.c.status == "approved"))
        if closing_before is not None:
            query = query.where(courses.c.enrolment_closes_at <= closing_before,
                                lotteries.c.drawn_at.is_(None))
        if opened_before is not None:
            query = query.where(courses.c.enrolment_opens_at <= opened_before,
                                lotteries.c.course_id.is_(None))
        return [course_of(row) for row in self.session.execute(
            query.order_by(courses.c.enrolment_closes_at, courses.c.course_id))]

    # -- the counter row ---------------------------------------------------------------------
    def _counter(self, course_id: str, values: dict[str, Any]) -> Any:
        statement = (update(course_seats).where(s.course_id == course_id).values(**values)
                     .returning(s.arrivals, s.last_outcome, s.enrolled, s.waitlisted,
                                _capacity(course_id).label("capacity")))
        row = self.session.execute(statement).first()
        if row is None:  # the course's first attempt: its counter row, then the statement
            self.session.execute(insert_for(self.session.get_bind().dialect.name, course_seats)
                                 .values(course_id=course_id, enrolled=0, waitlisted=0,
                                         arrivals=0).on_conflict_do_nothing())
            row = self.session.execute(statement).one()
        return row

    def next_arrival(self, course_id: str) -> int:
        """An arrival number and nothing else (a refused attempt, a lottery application)."""
        return int(self._counter(course_id, {"arrivals": s.arrivals + 1,
                                             "last_outcome": "counted"}).arrivals)

    def take_place(self, course_id: str, waitlist_limit: int) -> tuple[int, str, int]:
        """(arrival, seat | wait | full, waiting list length) in one statement: a seat while
        ``enrolled < capacity``, else a place on the waiting list while it has room."""
        has_seat = s.enrolled < _capacity(course_id)
        has_room = s.waitlisted < waitlist_limit
        row = self._counter(course_id, {
            "arrivals": s.arrivals + 1,
            "enrolled": s.enrolled + case((has_seat, 1), else_=0),
            "waitlisted": s.waitlisted + case((and_(~has_seat, has_room), 1), else_=0),
            "last_outcome": case((has_seat, literal(SEAT)), (has_room, literal(WAIT)),
                                 else_=literal(FULL)),
        })
        if row.last_outcome == SEAT:  # the seat that fills the course hides it from open_now
            seats_moved(self.session, course_id, row.enrolled - 1, row.enrolled, row.capacity)
        return int(row.arrivals), str(row.last_outcome), int(row.waitlisted)

    def move_counts(self, course_id: str, seated: int = 0, waitlisted: int = 0) -> None:
        """Seats or waiting places given back or taken by a change of state (cancel,
        decline, promote, draw); takes the counter row's lock first."""
        row = self._counter(course_id, {"enrolled": s.enrolled + seated,
                                        "waitlisted": s.waitlisted + waitlisted})
        if seated:
            seats_moved(self.session, course_id, row.enrolled - seated, row.enrolled,
                        row.capacity)

    def counts(self, course_id: str) -> tuple[int, int]:
        row = self.session.execute(select(s.enrolled, s.waitlisted)
                                   .where(s.course_id == course_id)).first()
        return (int(row.enrolled), int(row.waitlisted)) if row else (0, 0)

    # -- enrolments --------------------------------------------------------------------------
    def find(self, course_id: str, account_id: str) -> Enrolment | None:
        row = self.session.execute(select(enrolments).where(
            e.course_id == course_id, e.account_id == account_id)).first()
        return enrolment_of(row) if row else None

    def get(self, enrolment_id: str) -> Enrolment | None:
        row = self.session.execute(select(enrolments)
                                   .where(e.enrolment_id == enrolment_id)).first()
        return enrolment_of(row) if row else None

    def series_hold(self, series_id: str, account_id: str) -> str | None:
        return self.session.scalar(select(series_holds.c.course_id).where(
            series_holds.c.series_id == series_id, series_holds.c.account_id == account_id))

    def place(self, enrolment: Enrolment, reuse: bool, series_id: str | None) -> None:
        """The teacher's row (new, or their cancelled one taken up again) and, in a series
        of one session per teacher, the hold; ``PlaceTaken`` if another attempt of the
        teacher's won the unique key."""
        try:
            if reuse:
                changed = rows_changed(self.session.execute(
                    update(enrolments).where(e.enrolment_id == enrolment.enrolment_id,
                                             e.status == "cancelled")
                    .values(status=enrolment.status, arrival=enrolment.arrival,
                            updated_at=enrolment.updated_at)))
                if changed != 1:
                    raise PlaceTaken(enrolment.course_id)
            else:
                self.session.execute(insert(enrolments).values(
                    enrolment_id=enrolment.enrolment_id, course_id=enrolment.course_id,
                    account_id=enrolment.account_id, status=enrolment.status,
                    arrival=enrolment.arrival, created_at=enrolment.created_at,
                    updated_at=enrolment.updated_at))
            if series_id is not None:
                self.session.execute(insert(series_holds).values(
                    series_id=series_id, account_id=enrolment.account_id,
                    course_id=enrolment.course_id))
        except IntegrityError as error:  # the transaction is spoilt: the caller rolls back
            raise PlaceTaken(enrolment.course_id) from error

    def change_status(self, enrolment_id: str, from_status: str, to_status: str,
                      at: datetime) -> bool:
        """A conditional change: False when the enrolment is no longer ``from_status``
        (another request moved it first)."""
        return rows_changed(self.session.execute(
            update(enrolments).where(e.enrolment_id == enrolment_id, e.status == from_status)
            .values(status=to_status, updated_at=at))) == 1

    def release_series(self, series_id: str, account_id: str, course_id: str) -> None:
        self.session.execute(delete(series_holds).where(
            series_holds.c.series_id == series_id, series_holds.c.account_id == account_id,
            series_holds.c.course_id == course_id))

    def waitlisted_in_order(self, course_id: str, limit: int = 5) -> list[Enrolment]:
        return [enrolment_of(row) for row in self.session.execute(
            select(enrolments).where(e.course_id == course_id, e.status == WAITLISTED)
            .order_by(e.arrival).limit(limit))]

    def position(self, enrolment: Enrolment) -> int:
        """1 for the head of the waiting list."""
        return 1 + int(self.session.scalar(select(func.count()).select_from(enrolments).where(
            e.course_id == enrolment.course_id, e.status == WAITLISTED,
            e.arrival < enrolment.arrival)) or 0)

    def of_course(self, course_id: str, status: str | None = None) -> list[Enrolment]:
        query = select(enrolments).where(e.course_id == course_id)
        if status is not None:
            query = query.where(e.status == status)
        return [enrolment_of(row) for row in self.session.execute(query.order_by(e.arrival))]

    def teacher_names(self, account_ids: list[str]) -> dict[str, tuple[str, str | None]]:
        """Name and school of each teacher the replica knows, for the organiser's list."""
        return TeacherDirectory(self.session).names_and_schools(account_ids)

    def of_teacher(self, account_id: str
                   ) -> list[tuple[Enrolment, EnrolmentCourse, datetime | None]]:
        """Each enrolment with its course and, for a lottery course, when it was drawn
        (None before the draw and for every other course)."""
        rows = self.session.execute(
            select(enrolments, *[c for c in COURSE_COLUMNS if c.name not in ("course_id",)],
                   lotteries.c.drawn_at)
            .select_from(enrolments.join(courses, courses.c.course_id == e.course_id)
                         .outerjoin(course_series,
                                    course_series.c.series_id == courses.c.series_id)
                         .outerjoin(lotteries, lotteries.c.course_id == e.course_id))
            .where(e.account_id == account_id).order_by(courses.c.starts_on, e.created_at))
        return [(enrolment_of(row), course_of(row), row.drawn_at) for row in rows]

    def seated_count(self, course_id: str) -> int:
        return int(self.session.scalar(select(func.count()).select_from(enrolments).where(
            e.course_id == course_id, e.status.in_(SEATED))) or 0)

    # -- attempts ----------------------------------------------------------------------------
    def record_attempt(self, course_id: str, account_id: str, arrival: int, outcome: str,
                       at: datetime, enrolment_id: str | None = None) -> None:
        self.session.execute(insert(enrolment_attempts).values(
            course_id=course_id, account_id=account_id, arrival=arrival, outcome=outcome,
            at=at, enrolment_id=enrolment_id))

    def attempts(self, course_id: str, account_id: str | None = None,
                 limit: int = 1000) -> list[dict[str, Any]]:
        a = enrolment_attempts.c
        query = select(a.arrival, a.account_id, a.outcome, a.at, a.enrolment_id).where(
            a.course_id == course_id)
        if account_id is not None:
            query = query.where(a.account_id == account_id)
        return [dict(row._mapping) for row in self.session.execute(
            query.order_by(a.arrival).limit(limit))]

    # -- lotteries ---------------------------------------------------------------------------
    def lottery(self, course_id: str) -> dict[str, Any] | None:
        row = self.session.execute(select(lotteries)
                                   .where(lotteries.c.course_id == course_id)).first()
        return dict(row._mapping) if row else None

    def publish_lottery(self, course_id: str, at: datetime) -> str | None:
        """A new seed for the course, kept; its SHA-256 if this call made it (None when
        one was already there)."""
        seed = secrets.token_hex(32)
        digest = seed_digest(seed)
        made = rows_changed(self.session.execute(
            insert_for(self.session.get_bind().dialect.name, lotteries)
            .values(course_id=course_id, seed=seed, seed_sha256=digest, published_at=at)
            .on_conflict_do_nothing()))
        return digest if made == 1 else None

    def start_draw(self, course_id: str, at: datetime) -> bool:
        """Claims the draw (a conditional update): False if it was drawn already."""
        return rows_changed(self.session.execute(
            update(lotteries).where(lotteries.c.course_id == course_id,
                                    lotteries.c.drawn_at.is_(None)).values(drawn_at=at))) == 1

    def finish_draw(self, course_id: str, applicants: int, winners: int) -> None:
        self.session.execute(update(lotteries).where(lotteries.c.course_id == course_id)
                             .values(applicants=applicants, winners=winners))

    # -- mail --------------------------------------------------------------------------------
    def queue_mail(self, enrolment: Enrolment, kind: str, at: datetime) -> None:
        mail_id = self.session.execute(insert(enrolment_mails).values(
            enrolment_id=enrolment.enrolment_id, course_id=enrolment.course_id,
            account_id=enrolment.account_id, kind=kind, created_at=at, attempts=0)
            .returning(enrolment_mails.c.mail_id)).scalar_one()
        if self._on_mail is not None:
            run_after_commit(self.session, "enrolment-mail", self._on_mail, [mail_id])
