"""The closing part of the demo data (``make up``; ``seed-demo`` with ``DEMO_DATA=1``):
courses already held and closed, with hours issued to demo teachers, and a demo unit
(213502) whose light is yellow — two courses of this year that ended over a week ago
without hours.

The courses are made at once; their hours go to teachers of the organising school as the
teachers replica knows them, which fills from the accounts service's events after the
seed starts. So the closing runs in a thread that waits for them (``seed-demo`` waits for
the thread). Idempotent: ids derive from names; a closed course is left as it is.
(Seeded in the first days of January, the yellow unit's courses fall in last year and the
light shows green: the light counts the current year.)"""
from __future__ import annotations

import logging
import threading
import time
from decimal import Decimal

from sqlalchemy import select

from servicekit.service import Runtime
from servicekit.tokens import Principal
from services.courses import seed
from services.courses.adapters.orm import teacher_replica
from services.courses.components import CoursesComponents
from services.courses.demo_data import REVIEWING, DemoCourse
from services.courses.domain.closing import Attendee
from services.courses.domain.courses import CLOSED
from services.courses.handlers import attendance
from services.courses.seed import _exists, _make, demo_id

log = logging.getLogger(__name__)

# Held and closed: each listed teacher gets the course's hours (the first one half of them).
CLOSED_COURSES = (
    DemoCourse("closed-assessment", "353301", "學習評量設計研習（已結案）", 30, -20,
               opens_in_days=-40),
    DemoCourse("closed-gender", "353301", "性別平等教育研習（已結案）", 30, -12,
               opens_in_days=-30, subject=("professional", "issues", "gender_equity"),
               tags=("gender_equity",)),
)
# Held over a week ago with no hours issued yet: the unit's light is yellow.
OVERDUE_COURSES = (
    DemoCourse("overdue-1", "213502", "國語文教學研習（待核發時數）", 30, -15, opens_in_days=-30,
               nature="elementary", audiences=("elementary",)),
    DemoCourse("overdue-2", "213502", "英語文教學研習（待核發時數）", 30, -10, opens_in_days=-25,
               nature="elementary", audiences=("elementary",),
               subject=("teaching", "language", "english")),
)
TEACHERS_PER_COURSE = 5


def seed_closing(runtime: Runtime[CoursesComponents]) -> threading.Thread | None:
    for demo in (*CLOSED_COURSES, *OVERDUE_COURSES):
        if not _exists(runtime, demo_id(demo.key)):
            _make(runtime, demo, None)
    if all(_closed(runtime, demo_id(demo.key)) for demo in CLOSED_COURSES):
        return None
    thread = threading.Thread(target=_close_when_teachers_known, args=(runtime,),
                              name="courses-demo-closing", daemon=True)
    thread.start()
    return thread


def _closed(runtime: Runtime[CoursesComponents], course_id: str) -> bool:
    with runtime.components.uow() as work:
        course = work.closing.get(course_id)
        return course is not None and course.status == CLOSED


def _teachers(runtime: Runtime[CoursesComponents], unit_code: str) -> list[str]:
    t = teacher_replica.c
    with runtime.database.session() as session:
        return list(session.scalars(select(t.account_id).where(
            t.unit_code == unit_code, t.status == "enabled").order_by(t.account_id)
            .limit(TEACHERS_PER_COURSE)))


def _close_when_teachers_known(runtime: Runtime[CoursesComponents]) -> None:
    # How long to wait for the teachers' events (COURSES_DEMO_SEED_TIMEOUT_SECONDS).
    deadline = time.monotonic() + runtime.settings.positive_int("DEMO_SEED_TIMEOUT_SECONDS", 300)
    try:
        for demo in CLOSED_COURSES:
            course_id = demo_id(demo.key)
            teachers = _teachers(runtime, demo.unit)
            while not teachers and time.monotonic() < deadline:
                time.sleep(2)
                teachers = _teachers(runtime, demo.unit)
            if not teachers or _closed(runtime, course_id):
                continue
            _close(runtime, demo, course_id, teachers)
    except Exception:  # a demo nicety: the platform runs without it
        log.exception("the demo's closed courses were not closed")


def _close(runtime: Runtime[CoursesComponents], demo: DemoCourse, course_id: str,
           teachers: list[str]) -> None:
    components = runtime.components
    hours = Decimal(demo.sessions * demo.hours_each)
    listed = [Attendee(account, hours if n else hours / 2, walk_in=True)
              for n, account in enumerate(teachers)]
    organiser = Principal("demo-seed", frozenset({"business"}), unit=demo.unit)
    reviewer = Principal("demo-seed", frozenset({"reviewer"}), authority=REVIEWING[demo.unit])
    attendance.submit(components.uow(), runtime.clock, components.closing, organiser,
                      course_id, listed)
    attendance.review(components.uow(), runtime.clock, components.closing, reviewer,
                      course_id, "approve", [], None)


def seed_demo(runtime: Runtime[CoursesComponents]) -> threading.Thread | None:
    """The whole demo set: the open courses (seed.py), then the closed and overdue ones."""
    seed.seed_demo(runtime)
    return seed_closing(runtime)
