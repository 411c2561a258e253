"""Calendars (RFC 5545, written by the ``icalendar`` library): a published course's meetings,
and a teacher's courses at a secret address the teacher can reset
(services/courses/domain/calendars.py)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from icalendar import Calendar, Event

from contracts.calendar import TAIPEI
from servicekit.clock import Clock
from servicekit.errors import NotFound
from services.courses.adapters.uow import CoursesUnitOfWork
from services.courses.domain.access import PUBLISHED, course_not_found
from services.courses.domain.calendars import (
    SHOWN_STATES,
    CalendarEntry,
    CalendarToken,
    digest,
    new_token,
    status_of,
    well_formed,
)

PRODID = "-//全國教師在職進修資訊網//courses//ZH-TW"
UID_DOMAIN = "courses.inservice"  # fixed: a UID must not change when the site moves
# The span the VTIMEZONE describes: the catalogue's courses (since 2003) and those to come.
TIMEZONE_FROM, TIMEZONE_UNTIL = date(2000, 1, 1), date(2100, 1, 1)


def _no_calendar() -> NotFound:
    return NotFound("no calendar at this address", slug="calendar-not-found",
                    title="No such calendar")


def calendar_of(entries: Iterable[CalendarEntry], name: str, public_url: str) -> bytes:
    """One VEVENT per meeting, in Taipei time with its VTIMEZONE; the UID is the course's id
    and the meeting's place among its meetings, so a calendar app updates an event it
    already has (SEQUENCE: the course's version) rather than adding another."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Asia/Taipei")
    for entry in entries:
        course = entry.course
        url = f"{public_url}/courses/{course.course_id}"
        meetings = sorted(course.meetings, key=lambda m: (m.on, m.starts_at))
        for position, meeting in enumerate(meetings):
            event = Event()
            event.add("uid", f"{course.course_id}-{position}@{UID_DOMAIN}")
            event.add("dtstamp", course.updated_at)
            event.add("last-modified", course.updated_at)
            event.add("sequence", course.version)
            event.add("dtstart", datetime.combine(meeting.on, meeting.starts_at, TAIPEI))
            event.add("dtend", datetime.combine(meeting.on, meeting.ends_at, TAIPEI))
            event.add("summary", course.title)
            event.add("location", course.place)
            event.add("url", url)
            event.add("description", f"{course.code} · {course.hours} 小時\n{url}")
            event.add("status", entry.status)
            calendar.add_component(event)
    calendar.add_missing_timezones(TIMEZONE_FROM, TIMEZONE_UNTIL)
    return calendar.to_ical()


def course_calendar(work: CoursesUnitOfWork, course_id: str, public_url: str) -> bytes:
    """A published course's meetings; any other course is "no such course" to everyone."""
    with work:
        course = work.courses.get(course_id)
    if course is None or course.status not in PUBLISHED:
        raise course_not_found(course_id)
    return calendar_of([CalendarEntry(course)], course.title, public_url)


def feed_url(public_url: str, token: str) -> str:
    return f"{public_url}/api/courses/calendars/{token}.ics"


def reset_token(work: CoursesUnitOfWork, clock: Clock, account_id: str,
                public_url: str) -> dict[str, object]:
    """A new secret address for the teacher's calendar; the earlier one stops answering.
    The token is shown here once: only its digest is kept."""
    token = new_token()
    now = clock.now()
    with work:
        work.calendars.replace_token(CalendarToken(account_id, digest(token), now))
    return {"url": feed_url(public_url, token), "created_at": now}


def teacher_calendar(work: CoursesUnitOfWork, token: str, public_url: str) -> bytes:
    """The courses of the teacher whose current token this is (see SHOWN_STATES), published
    ones only. An unknown, reset or malformed token, and a teacher the accounts service has
    since disabled, answer alike: no such calendar."""
    if not well_formed(token):
        raise _no_calendar()
    with work:
        account_id = work.calendars.owner_of(digest(token))
        if account_id is None:
            raise _no_calendar()
        teacher = work.teachers.teacher(account_id)
        if teacher is not None and teacher.status != "enabled":
            raise _no_calendar()
        enrolled = work.calendars.enrolled_courses(account_id, SHOWN_STATES, tuple(PUBLISHED))
        found = {course.course_id: course
                 for course in work.courses.many([course_id for course_id, _ in enrolled])}
    entries = [CalendarEntry(found[course_id], status_of(status))
               for course_id, status in enrolled if course_id in found]
    return calendar_of(entries, "我的研習", public_url)
