"""Enrolment use cases (R-CRS-4): enrol under the rush, cancel, the organiser's decision,
and what teachers and organisers see. Each runs in one unit of work; a refused attempt
commits its arrival number and outcome, then the refusal is raised.

Capacity is never exceeded: a seat is taken only by the repository's conditional seat
statement, which also hands out the arrival number (never count, then insert). Two
attempts of one teacher at once (the same course twice, or two sessions of a series
of one session per teacher) meet a unique key; the loser's transaction rolls back and
it is run once more, when the winner's row is there to refuse it with facts.
"""
from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from contracts.calendar import taipei_date
from contracts.events.courses import (
    ENROLMENT_CANCELLED,
    ENROLMENT_DECIDED,
    ENROLMENT_PROMOTED,
    ENROLMENT_RECORDED,
    LOTTERY_OPENED,
)
from servicekit.clock import Clock
from servicekit.errors import Conflict, NotFound
from services.courses.adapters.enrolment_repo import PlaceTaken
from services.courses.adapters.enrolment_uow import EnrolmentUnitOfWork
from services.courses.domain.access import PUBLISHED, course_not_found
from services.courses.domain.courses import LOCKED
from services.courses.domain.enrolment import (
    ACCEPTED,
    ALREADY_ENROLLED,
    APPLIED,
    CANCELLED,
    COURSE_FULL,
    DECLINED,
    DECLINED_NEWS,
    DUPLICATE_SESSION,
    ENROLLED,
    ENROLMENT_CLOSED,
    FULL,
    HOLDING,
    PENDING,
    PROMOTED,
    REUSABLE,
    SEAT,
    SEATED,
    WAITLISTED,
    Enrolment,
    EnrolmentCourse,
    waitlist_limit,
)
from services.courses.metrics import ENROLMENTS


@dataclass(frozen=True)
class Placed:
    enrolment_id: str
    course_id: str
    status: str
    arrival: int
    position: int | None  # on the waiting list, 1 first


def visible_course(uow: EnrolmentUnitOfWork, course_id: str) -> EnrolmentCourse:
    """A published course (approved, held or closed): a draft, one in review, or none is
    not found (teachers never see drafts; nobody learns one is there)."""
    course = uow.enrolments.course(course_id)
    if course is None or course.status not in PUBLISHED:
        raise course_not_found(course_id)
    return course


def refuse_if_locked(course: EnrolmentCourse) -> None:
    """A closed course changes only through an amendment (R-CRS-6), its enrolments too; a
    course held and not closed refuses by its window and its first day, as any other."""
    if course.status in LOCKED:
        raise Conflict("course-locked", "The course is closed and locked",
                       f"course {course.code} is closed; its enrolments no longer change",
                       course_id=course.course_id)


def enrol(uow: EnrolmentUnitOfWork, clock: Clock, course_id: str, account_id: str) -> Placed:
    """A teacher's attempt: a seat, a place on the waiting list, a pending seat (the
    organiser accepts) or a lottery application; else a ``Conflict`` with the attempt's
    arrival number, after the attempt is recorded."""
    try:
        return _enrol(uow, clock, course_id, account_id)
    except PlaceTaken:  # the teacher's other attempt committed first: refused with its facts
        return _enrol(uow, clock, course_id, account_id)


def _enrol(uow: EnrolmentUnitOfWork, clock: Clock, course_id: str, account_id: str) -> Placed:
    with uow:
        repo, now = uow.enrolments, clock.now()
        course = visible_course(uow, course_id)
        refuse_if_locked(course)
        existing = repo.find(course_id, account_id)
        held_elsewhere = (repo.series_hold(course.one_per_series, account_id)
                          if course.one_per_series else None)
        answer: Placed | Conflict
        if not course.window_open(now):
            answer = _refused(uow, course, account_id, now, ENROLMENT_CLOSED, "Enrolment closed",
                              f"enrolment is open from {course.opens_at.isoformat()} "
                              f"to {course.closes_at.isoformat()}",
                              opens_at=course.opens_at.isoformat(),
                              closes_at=course.closes_at.isoformat())
        elif existing is not None and existing.status not in REUSABLE:
            answer = _refused(uow, course, account_id, now, ALREADY_ENROLLED, "Already enrolled",
                              f"you are {existing.status} in this course",
                              enrolment_status=existing.status)
        elif held_elsewhere is not None and held_elsewhere != course_id:
            answer = _refused(uow, course, account_id, now, DUPLICATE_SESSION,
                              "Another session of this series",
                              "a teacher takes one session of this course series",
                              held_course_id=held_elsewhere)
        else:
            answer = _place(uow, course, account_id, existing, now)
    ENROLMENTS.labels(answer.slug if isinstance(answer, Conflict) else answer.status).inc()
    if isinstance(answer, Conflict):
        raise answer  # after the commit: the attempt and its arrival number are kept
    return answer


def _refused(uow: EnrolmentUnitOfWork, course: EnrolmentCourse, account_id: str, now: datetime,
             slug: str, title: str, detail: str, arrival: int | None = None,
             **facts: Any) -> Conflict:
    if arrival is None:
        arrival = uow.enrolments.next_arrival(course.course_id)
    uow.enrolments.record_attempt(course.course_id, account_id, arrival, slug, now)
    return Conflict(slug, title, detail, arrival=arrival, **facts)


def _place(uow: EnrolmentUnitOfWork, course: EnrolmentCourse, account_id: str,
           existing: Enrolment | None, now: datetime) -> Placed | Conflict:
    repo = uow.enrolments
    position: int | None = None
    if course.lottery:
        if repo.lottery(course.course_id) is None:
            publish_lottery(uow, course, now)
        arrival, status = repo.next_arrival(course.course_id), APPLIED
    else:
        arrival, outcome, waiting = repo.take_place(course.course_id,
                                                    waitlist_limit(course.capacity))
        if outcome == FULL:
            return _refused(uow, course, account_id, now, COURSE_FULL, "Course full",
                            f"the {course.capacity} seats and the waiting list are taken",
                            arrival=arrival)
        status = course.seat_status if outcome == SEAT else WAITLISTED
        position = waiting if status == WAITLISTED else None
    enrolment = Enrolment(existing.enrolment_id if existing else str(uuid.uuid4()),
                          course.course_id, account_id, status, arrival,
                          existing.created_at if existing else now, now)
    repo.place(enrolment, reuse=existing is not None, series_id=course.one_per_series)
    repo.record_attempt(course.course_id, account_id, arrival, status, now,
                        enrolment.enrolment_id)
    uow.record(ENROLMENT_RECORDED, {
        "enrolment_id": enrolment.enrolment_id, "course_id": course.course_id,
        "account_id": account_id, "status": status, "arrival": arrival, "at": now.isoformat()})
    return Placed(enrolment.enrolment_id, course.course_id, status, arrival, position)


def publish_lottery(uow: EnrolmentUnitOfWork, course: EnrolmentCourse, now: datetime) -> None:
    """The seed made and its SHA-256 published (on the course and as an event), once."""
    digest = uow.enrolments.publish_lottery(course.course_id, now)
    if digest is not None:
        uow.record(LOTTERY_OPENED, {"course_id": course.course_id, "seed_sha256": digest,
                                    "closes_at": course.closes_at.isoformat(), "at": now.isoformat()})


# -- cancelling, and the seat it frees ------------------------------------------------------
def cancel(uow: EnrolmentUnitOfWork, clock: Clock, course_id: str, account_id: str) -> Enrolment:
    """The teacher withdraws: a seat or a waiting place frees, and a freed seat goes to the
    head of the waiting list in the same transaction (who is told)."""
    with uow:
        repo, now = uow.enrolments, clock.now()
        course = visible_course(uow, course_id)
        refuse_if_locked(course)
        if taipei_date(now) >= course.starts_on:
            raise Conflict("course-started", "The course has started",
                           f"enrolments can be cancelled until {course.starts_on.isoformat()}")
        repo.move_counts(course_id)  # the course's lock first, as every seat change takes it
        enrolment = repo.find(course_id, account_id)
        if enrolment is None or enrolment.status not in HOLDING or not repo.change_status(
                enrolment.enrolment_id, enrolment.status, CANCELLED, now):
            raise NotFound("you hold no place in this course", slug="no-enrolment",
                           title="No enrolment")
        _give_back(uow, course, enrolment, now)
        uow.record(ENROLMENT_CANCELLED, {
            "enrolment_id": enrolment.enrolment_id, "course_id": course_id,
            "account_id": account_id, "previous_status": enrolment.status, "at": now.isoformat()})
    return Enrolment(enrolment.enrolment_id, course_id, account_id, CANCELLED,
                     enrolment.arrival, enrolment.created_at, now)


def _give_back(uow: EnrolmentUnitOfWork, course: EnrolmentCourse, left: Enrolment, now: datetime) -> None:
    """What ``left`` held goes back: its series hold, and its seat to the waiting list."""
    repo = uow.enrolments
    if course.one_per_series:
        repo.release_series(course.one_per_series, left.account_id, course.course_id)
    if left.status == WAITLISTED:
        repo.move_counts(course.course_id, waitlisted=-1)
    elif left.status in SEATED:
        repo.move_counts(course.course_id, seated=-1)
        promote(uow, course, now)


def promote(uow: EnrolmentUnitOfWork, course: EnrolmentCourse, now: datetime) -> Enrolment | None:
    """The head of the waiting list (lowest arrival) takes the freed seat; the caller
    holds the course's counter row. A head that left meanwhile is passed over."""
    repo = uow.enrolments
    while candidates := repo.waitlisted_in_order(course.course_id):
        for head in candidates:
            if repo.change_status(head.enrolment_id, WAITLISTED, course.seat_status, now):
                repo.move_counts(course.course_id, seated=+1, waitlisted=-1)
                uow.record(ENROLMENT_PROMOTED, {
                    "enrolment_id": head.enrolment_id, "course_id": course.course_id,
                    "account_id": head.account_id, "status": course.seat_status,
                    "arrival": head.arrival, "at": now.isoformat()})
                repo.queue_mail(head, PROMOTED, now)
                return head
    return None


# -- the organiser --------------------------------------------------------------------------
def organisers_course(uow: EnrolmentUnitOfWork, course_id: str, unit_code: str | None) -> EnrolmentCourse:
    """The course, if the caller organises it (a business account of its unit); else not
    found, as for a course that does not exist. ``unit_code`` None: the network's staff."""
    course = uow.enrolments.course(course_id)
    if course is None or (unit_code is not None and course.unit_code != unit_code):
        raise course_not_found(course_id)
    return course


def decide(uow: EnrolmentUnitOfWork, clock: Clock, course_id: str, enrolment_id: str,
           unit_code: str, accept: bool) -> Enrolment:
    """The organiser accepts (→ enrolled) or declines (→ declined, the seat freed and
    promoted) a pending enrolment; the teacher is told."""
    with uow:
        repo, now = uow.enrolments, clock.now()
        course = organisers_course(uow, course_id, unit_code)
        repo.move_counts(course_id)  # the course's lock first
        enrolment = repo.get(enrolment_id)
        if enrolment is None or enrolment.course_id != course_id:
            raise NotFound(f"no enrolment {enrolment_id} in this course")
        new_status = ENROLLED if accept else DECLINED
        if enrolment.status != PENDING or not repo.change_status(enrolment_id, PENDING,
                                                                  new_status, now):
            raise Conflict("not-pending", "Not waiting for a decision",
                           f"the enrolment is {enrolment.status}",
                           enrolment_status=enrolment.status)
        if not accept:
            _give_back(uow, course, enrolment, now)
        uow.record(ENROLMENT_DECIDED, {
            "enrolment_id": enrolment_id, "course_id": course_id,
            "account_id": enrolment.account_id, "decision": ACCEPTED if accept else "declined",
            "at": now.isoformat()})
        repo.queue_mail(enrolment, ACCEPTED if accept else DECLINED_NEWS, now)
    return Enrolment(enrolment_id, course_id, enrolment.account_id, new_status,
                     enrolment.arrival, enrolment.created_at, now)


def course_enrolments(uow: EnrolmentUnitOfWork, course_id: str, unit_code: str | None,
                      status: str | None) -> dict[str, Any]:
    with uow:
        course = organisers_course(uow, course_id, unit_code)
        enrolled, waitlisted = uow.enrolments.counts(course_id)
        rows = uow.enrolments.of_course(course_id, status)
        names = uow.enrolments.teacher_names([row.account_id for row in rows])
    # The organiser calls the roll by name and school (the teachers' replica; never an ID).
    unknown: tuple[str | None, str | None] = (None, None)
    listed = [{**asdict(row), **dict(zip(("teacher_name", "school_code"),
                                         names.get(row.account_id, unknown), strict=True))}
              for row in rows]
    return {"course_id": course.course_id, "capacity": course.capacity, "enrolled": enrolled,
            "waitlisted": waitlisted, "enrolments": listed}


def attempts(uow: EnrolmentUnitOfWork, course_id: str, unit_code: str | None,
             account_id: str | None) -> list[dict[str, Any]]:
    """Every attempt with its arrival number and outcome: the facts for a complaint."""
    with uow:
        organisers_course(uow, course_id, unit_code)
        return uow.enrolments.attempts(course_id, account_id)


# -- the teacher ----------------------------------------------------------------------------
def my_enrolments(uow: EnrolmentUnitOfWork, account_id: str) -> list[dict[str, Any]]:
    """Each enrolment with its state, and what says a lottery's: the course's fairness, its
    window's close (when the draw is made) and the draw's time once made, so a seat in a
    lottery course reads "drawn" and an application "waiting for the draw"."""
    with uow:
        repo = uow.enrolments
        return [{"enrolment_id": enrolment.enrolment_id, "course_id": course.course_id,
                 "code": course.code, "title": course.title, "starts_on": course.starts_on,
                 "status": enrolment.status, "arrival": enrolment.arrival,
                 "position": (repo.position(enrolment) if enrolment.status == WAITLISTED
                              else None),
                 "fairness": course.fairness, "closes_at": course.closes_at,
                 "drawn_at": drawn_at if course.lottery else None,
                 "updated_at": enrolment.updated_at}
                for enrolment, course, drawn_at in repo.of_teacher(account_id)]


def lottery(uow: EnrolmentUnitOfWork, course_id: str) -> dict[str, Any]:
    """A lottery course's draw as anyone may check it: the seed's SHA-256 from the window's
    opening, and after the draw the seed itself."""
    with uow:
        course = visible_course(uow, course_id)
        found = uow.enrolments.lottery(course_id) if course.lottery else None
    if found is None:
        raise NotFound(f"course {course_id} has no lottery (yet)", slug="no-lottery",
                       title="No lottery")
    drawn = found["drawn_at"] is not None
    return {"course_id": course_id, "seed_sha256": found["seed_sha256"],
            "published_at": found["published_at"], "closes_at": course.closes_at,
            "drawn_at": found["drawn_at"], "seed": found["seed"] if drawn else None,
            "applicants": found["applicants"], "winners": found["winners"],
            "seats": course.capacity}
