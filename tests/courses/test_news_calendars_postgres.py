"""On PostgreSQL (production): the news feed's window, audience and paging, the marquee's
order, and a teacher's calendar (the join of enrolments and published courses, the
token's digest as the only key) give the answers the SQLite tests expect."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from courses_factory import OPENS, add_course
from icalendar import Calendar
from sqlalchemy import insert

from servicekit.errors import NotFound
from servicekit.service import Runtime
from services.courses.adapters.orm import course_meetings
from services.courses.handlers import calendars, enrolments, news

pytestmark = pytest.mark.postgres

T1, T2 = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"


def window(days_from: float, days_until: float | None) -> dict:
    return {"shown_from": OPENS + timedelta(days=days_from),
            "shown_until": None if days_until is None else OPENS + timedelta(days=days_until)}


def test_the_feed_and_the_marquee_on_postgresql(pg_courses: Runtime) -> None:
    work, clock = pg_courses.components.uow, pg_courses.clock
    for title, audience, shown in (("全體", "everyone", window(-3, None)),
                                   ("教師", "teachers", window(-2, 1)),
                                   ("承辦", "business", window(-1, 1)),
                                   ("將來", "teachers", window(1, 2)),
                                   ("過去", "teachers", window(-5, -4))):
        news.create_item(work(), clock, "operator-1", {
            "title": title, "body": "內容", "audience": audience, **shown})
    feed = news.feed(work(), clock, None, 1, 20)
    assert ([item["title"] for item in feed["items"]], feed["total"]) == (
        ["承辦", "教師", "全體"], 3)
    assert [item["title"] for item in news.feed(work(), clock, "teachers", 1, 20)["items"]] \
        == ["教師", "全體"]
    assert [item["title"] for item in news.feed(work(), clock, None, 2, 2)["items"]] == ["全體"]
    assert feed["items"][0]["shown_from"] == OPENS - timedelta(days=1)
    assert feed["items"][0]["shown_from"].tzinfo is not None
    for text, position, shown in (("二", 2, window(-1, None)), ("一", 1, window(-1, 1)),
                                  ("未", 1, window(1, None))):
        news.create_line(work(), clock, "operator-1",
                         {"text": text, "position": position, **shown})
    assert [line["text"] for line in news.marquee(work(), clock)] == ["一", "二"]


def test_a_teachers_calendar_on_postgresql(pg_courses: Runtime) -> None:
    database, clock = pg_courses.database, pg_courses.clock
    clock.set(OPENS)
    draft = add_course(database, status="draft")
    course = add_course(database, title="數學素養")
    with database.session() as session:
        session.execute(insert(course_meetings), [
            {"course_id": course, "position": 0, "meets_on": date(2026, 5, 1),
             "starts_at": time(9), "ends_at": time(12)}])
    enrolments.enrol(pg_courses.components.enrolments(), clock, course, T1)
    enrolments.enrol(pg_courses.components.enrolments(), clock, course, T2)
    url = str(calendars.reset_token(pg_courses.components.uow(), clock, T1,
                                    "https://inservice.test")["url"])
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    found = Calendar.from_ical(calendars.teacher_calendar(pg_courses.components.uow(), token,
                                                          "https://inservice.test"))
    [event] = found.walk("VEVENT")
    assert (str(event["SUMMARY"]), event.decoded("DTSTART").astimezone(UTC)) == (
        "數學素養", datetime(2026, 5, 1, 1, 0, tzinfo=UTC))
    calendars.reset_token(pg_courses.components.uow(), clock, T1, "https://inservice.test")
    with pytest.raises(NotFound):
        calendars.teacher_calendar(pg_courses.components.uow(), token, "https://inservice.test")
    with pytest.raises(NotFound):
        calendars.course_calendar(pg_courses.components.uow(), draft, "https://inservice.test")
