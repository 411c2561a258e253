"""Demo courses for the embedded default (``make up``; ``seed-demo`` with ``DEMO_DATA=1``),
made through the registration use case, then approved as their reviewing authority would
(the demo's reviewers exist in accounts; the seed records the same events a review
does). Idempotent: each demo course and series has an id derived from its name, and one
already there is left as it is."""
from __future__ import annotations

import uuid
from contextlib import suppress
from dataclasses import replace
from datetime import datetime, time, timedelta
from decimal import Decimal

from contracts.calendar import TAIPEI, taipei_date
from contracts.events.courses import COURSE_REVIEWED, COURSE_SUBMITTED
from servicekit.errors import Conflict
from servicekit.service import Runtime
from servicekit.tokens import Principal
from services.courses.components import CoursesComponents
from services.courses.demo_data import (
    COUNTY,
    COURSES,
    DEMO_MARQUEE,
    DEMO_NEWS,
    REVIEWING,
    SERIES_KEY,
    DemoCourse,
)
from services.courses.domain.courses import APPROVE, APPROVED, Meeting, Review, Series
from services.courses.handlers import lifecycle, lottery, news

DEMO = uuid.UUID("6f0c3a4e-2b1d-4f7a-9c55-0d3e4b5a6c7d")
SEEDER = "demo-seed"


def demo_id(key: str) -> str:
    return str(uuid.uuid5(DEMO, key))


def seed_demo(runtime: Runtime[CoursesComponents]) -> int:
    """How many demo courses it made (0 when all were there)."""
    made = 0
    series_id = _series(runtime)
    for demo in COURSES:
        if _exists(runtime, demo_id(demo.key)):
            continue
        _make(runtime, demo, series_id if demo.series == SERIES_KEY else None)
        made += 1
    # A lottery open now shows its seed's SHA-256 from the start, as the scheduled
    # draw-lotteries would publish it within minutes (and a first application at once).
    lottery.open_and_draw(runtime.components.enrolments, runtime.clock)
    _news(runtime)
    return made


def _news(runtime: Runtime[CoursesComponents]) -> None:
    """Demo news and marquee lines shown from the seeding day (R-CRS-12); one already
    there (by its id, derived from its name) is left as it is."""
    since = runtime.clock.now() - timedelta(days=1)
    window = {"shown_from": since, "shown_until": None}
    for key, title, body, audience in DEMO_NEWS:
        with suppress(Conflict):
            news.create_item(runtime.components.uow(), runtime.clock, SEEDER, {
                "title": title, "body": body, "audience": audience, **window},
                news_id=demo_id(key))
    for position, (key, text) in enumerate(DEMO_MARQUEE, start=1):
        with suppress(Conflict):
            news.create_line(runtime.components.uow(), runtime.clock, SEEDER, {
                "text": text, "position": position, **window}, line_id=demo_id(key))


def _exists(runtime: Runtime[CoursesComponents], course_id: str) -> bool:
    with runtime.components.uow() as work:
        return work.courses.get(course_id) is not None


def _series(runtime: Runtime[CoursesComponents]) -> str:
    series_id = demo_id(SERIES_KEY)
    with runtime.components.uow() as work:
        if work.courses.series(series_id) is None:
            work.courses.add_series(Series(series_id, "193601", "閱讀理解策略教學（三梯次）", True,
                                           runtime.clock.now()))
    return series_id


def _make(runtime: Runtime[CoursesComponents], demo: DemoCourse, series_id: str | None) -> None:
    now = runtime.clock.now()
    today = taipei_date(now)
    first = today + timedelta(days=demo.days_ahead)
    meetings = [Meeting(first + timedelta(days=7 * n), time(9), time(9 + demo.hours_each))
                for n in range(demo.sessions)]
    opens = datetime.combine(today + timedelta(days=demo.opens_in_days), time(12), TAIPEI)
    category, subcategory, subject = demo.subject
    fields = {
        "title": demo.title, "audiences": list(demo.audiences), "class_type": "non_credit_class",
        "nature": demo.nature, "category": category, "subcategory": subcategory,
        "subject": subject, "time_slot": "weekday_daytime", "meetings": meetings,
        "hours": Decimal(demo.sessions * demo.hours_each), "place": f"{demo.unit} 研習教室",
        "county_code": COUNTY[demo.unit], "lecturers": ["示範講師 甲", "示範講師 乙"],
        "capacity": demo.capacity, "enrolment_opens_at": opens,
        "enrolment_closes_at": datetime.combine(first - timedelta(days=3), time(17), TAIPEI),
        "organiser_accepts": demo.organiser_accepts, "fairness": demo.fairness,
        "series_id": series_id, "tags": list(demo.tags)}
    organiser = Principal(SEEDER, frozenset({"business"}), unit=demo.unit)
    made = lifecycle.register(runtime.components.uow(), runtime.clock, organiser, fields,
                              course_id=demo_id(demo.key))
    _approve(runtime, made["id"], REVIEWING[demo.unit])


def _approve(runtime: Runtime[CoursesComponents], course_id: str, authority: str) -> None:
    """Submitted and approved at once, with the events a submission and a review record."""
    now = runtime.clock.now()
    with runtime.components.uow() as work:
        course = work.courses.get(course_id)
        if course is None or course.status == APPROVED:
            return
        approved = replace(course, status=APPROVED, reviewing_authority_code=authority,
                           submitted_at=now, approved_at=now, updated_at=now,
                           version=course.version + 2)
        if not work.courses.update(approved, course.version):
            return
        work.courses.add_review(Review(str(uuid.uuid4()), course_id, APPROVE, [], None, SEEDER,
                                       authority, now, taipei_date(now)))
        work.record(COURSE_SUBMITTED, {
            "course_id": course_id, "code": course.code, "unit_code": course.unit_code,
            "reviewing_authority_code": authority, "submitted_at": now.isoformat(),
            "resubmission": False, "meeting_keywords": approved.meeting_keywords,
            "version": course.version + 1})
        work.record(COURSE_REVIEWED, {
            "course_id": course_id, "code": course.code, "unit_code": course.unit_code,
            "decision": APPROVE, "reasons": [], "reviewing_authority_code": authority,
            "reviewed_on": taipei_date(now).isoformat(), "reviewed_at": now.isoformat(),
            "version": approved.version})
