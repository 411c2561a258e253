"""The rush (R-CRS-4): many teachers at the same instant, on SQLite and on PostgreSQL.
Seats are never oversold, a teacher never holds two sessions of a series of one session
per teacher, and every attempt has its own arrival number with its outcome."""
from __future__ import annotations

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from courses_factory import add_course, add_series
from sqlalchemy import func, select

from servicekit.errors import Conflict
from servicekit.service import Runtime
from services.courses.adapters.orm import (
    course_search_documents,
    course_seats,
    enrolment_attempts,
    enrolments,
)
from services.courses.adapters.search_index import SearchIndex
from services.courses.handlers import enrolments as enrolling


def rush(runtime: Runtime, courses: list[str], teachers: list[str], threads: int) -> Counter:
    """Every teacher tries every course, all threads released at once."""
    start = threading.Barrier(threads)
    outcomes: Counter = Counter()
    lock = threading.Lock()
    work = [(course, teacher) for teacher in teachers for course in courses]

    def run(part: list[tuple[str, str]]) -> None:
        start.wait()
        for course, teacher in part:
            try:
                outcome = enrolling.enrol(runtime.components.enrolments(), runtime.clock,
                                          course, teacher).status
            except Conflict as refusal:
                outcome = refusal.slug
            with lock:
                outcomes[outcome] += 1

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(run, [work[n::threads] for n in range(threads)]))
    return outcomes


def check_facts(runtime: Runtime, courses: list[str], capacity: int, attempts: int) -> None:
    with runtime.database.session() as session:
        e, a = enrolments.c, enrolment_attempts.c
        for course in courses:
            seated = session.scalar(select(func.count()).select_from(enrolments).where(
                e.course_id == course, e.status == "enrolled"))
            waiting = session.scalar(select(func.count()).select_from(enrolments).where(
                e.course_id == course, e.status == "waitlisted"))
            assert seated == capacity, (course, seated)  # full, and not one more
            counter = session.execute(select(course_seats.c.enrolled, course_seats.c.waitlisted)
                                      .where(course_seats.c.course_id == course)).one()
            assert tuple(counter) == (seated, waiting)
            arrivals = sorted(session.scalars(select(a.arrival).where(a.course_id == course)))
            assert arrivals == list(range(1, len(arrivals) + 1))  # one number per attempt
        assert session.scalar(select(func.count()).select_from(enrolment_attempts)) == attempts
        per_teacher = Counter(session.scalars(select(e.account_id).where(
            e.course_id.in_(courses), e.status.in_(("enrolled", "waitlisted")))))
        assert max(per_teacher.values()) == 1  # one session of the series each


def scenario(runtime: Runtime, threads: int, teachers: int) -> None:
    series = add_series(runtime.database)
    courses = [add_course(runtime.database, capacity=5, series_id=series) for _ in range(3)]
    with runtime.database.session() as session:  # listed in the catalogue, seats left
        SearchIndex(session).refresh(courses)
    people = [str(uuid.uuid4()) for _ in range(teachers)]
    outcomes = rush(runtime, courses, people, threads)
    assert outcomes["enrolled"] == 15 and outcomes["waitlisted"] == 15, outcomes
    assert outcomes["duplicate-session"] + outcomes["course-full"] + 30 == 3 * teachers
    check_facts(runtime, courses, 5, 3 * teachers)
    with runtime.database.session() as session:  # the seat that filled each told the search
        documents = course_search_documents.c
        assert dict(session.execute(select(documents.course_id, documents.has_seats)).all()) \
            == dict.fromkeys(courses, False)


def test_the_rush_on_sqlite(enrol_api) -> None:
    scenario(enrol_api.runtime, threads=8, teachers=40)


@pytest.mark.postgres
def test_the_rush_on_postgresql(pg_courses) -> None:
    scenario(pg_courses, threads=40, teachers=120)


@pytest.mark.postgres
def test_one_teacher_clicking_many_times_at_once_gets_one_place(pg_courses) -> None:
    course = add_course(pg_courses.database, capacity=5)
    outcomes = rush(pg_courses, [course], ["the-same-teacher"] * 30, threads=30)
    assert outcomes == Counter({"enrolled": 1, "already-enrolled": 29}), outcomes
    with pg_courses.database.session() as session:
        assert session.scalar(select(course_seats.c.enrolled)) == 1
