"""Closing a course (R-CRS-5): the attendee list the organiser sends and the reviewer's
decision on it, in plain Python. A course closes (and locks) when its list is approved.

Deadline: hours are due within ``due_days`` (7, a setting) after the course's last day,
a Taipei day. A list sent later is still taken — refusing it would leave the teachers
without their hours — but it is marked ``late`` (kept, and in the event), and the course
counts against its unit's traffic light until the list is approved (R-CRS-7)."""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from servicekit.errors import Conflict, Invalid
from services.courses.domain.courses import (
    APPROVED,
    ATTENDANCE_RETURNED,
    ATTENDANCE_SUBMITTED,
    LOCKED,
    ONE_DECIMAL,
)

# Where the organiser may send (or send again) the list: approved and held, returned, or
# sent and not yet reviewed (a corrected list replaces the one waiting).
OPEN_FOR_ATTENDANCE = frozenset({APPROVED, ATTENDANCE_RETURNED, ATTENDANCE_SUBMITTED})
# A course held and not yet closed: what the traffic light counts once overdue.
HELD_NOT_CLOSED = OPEN_FOR_ATTENDANCE


@dataclass
class HeldCourse:
    """A course (``domain.courses.Course``) from its approval on, as closing, amendments
    and the traffic light read and write it: the stored columns they need, first and last
    day included as stored (an amendment moves them; the meetings stay as registered).
    The lifecycle's ``Course`` owns the rest and every rule of registration."""
    course_id: str
    code: str
    status: str
    title: str
    unit_code: str
    reviewing_authority_code: str | None
    starts_on: date
    ends_on: date
    hours: Decimal
    class_type: str
    version: int
    place: str


@dataclass(frozen=True)
class Attendee:
    account_id: str
    hours: Decimal
    walk_in: bool = False


def refuse_if_locked(course: HeldCourse) -> None:
    """Every change to a closed course goes through an amendment (R-CRS-6)."""
    if course.status in LOCKED:
        raise Conflict("course-locked", "The course is closed and locked",
                       "a closed course changes only through an amendment request",
                       course_id=course.course_id)


def due_on(course: HeldCourse, due_days: int) -> date:
    """The last day the hours are on time."""
    return course.ends_on + timedelta(days=due_days)


def one_decimal(hours: Decimal) -> bool:
    return hours == hours.quantize(ONE_DECIMAL)


def check_attendance(course: HeldCourse, attendees: list[Attendee], enrolled: set[str],
                     teachers: Mapping[str, str], today: date) -> None:
    """Refuses the whole list on the first rule it breaks (nothing is half-written).
    ``teachers``: the status in the teachers' replica of each walk-in listed."""
    refuse_if_locked(course)
    if course.status not in OPEN_FOR_ATTENDANCE:
        raise Conflict("attendance-not-open", "The course takes no attendee list now",
                       f"a course {course.status} cannot send attendance", course_status=course.status)
    if today < course.ends_on:
        raise Conflict("course-not-ended", "The course has not ended",
                       f"the attendee list is sent from the last day, {course.ends_on}",
                       ends_on=course.ends_on.isoformat())
    twice = sorted(account for account, n in Counter(a.account_id for a in attendees).items()
                   if n > 1)
    if twice:
        raise Invalid("duplicate-attendee", "A teacher is listed twice",
                      "each teacher appears once in the list", account_ids=twice)
    bad_hours = [a.account_id for a in attendees
                 if a.hours <= 0 or not one_decimal(a.hours)]
    if bad_hours:
        raise Invalid("invalid-hours", "Hours are positive with one decimal",
                      "each teacher's hours are above 0, in steps of 0.1",
                      account_ids=bad_hours)
    above = [a.account_id for a in attendees if a.hours > course.hours]
    if above:
        raise Invalid("hours-above-course", "Hours above the course's",
                      f"no teacher is given more than the course's {course.hours} hours",
                      account_ids=above, course_hours=float(course.hours))
    strangers = sorted(a.account_id for a in attendees
                       if not a.walk_in and a.account_id not in enrolled)
    if strangers:
        raise Invalid("not-enrolled", "A teacher is not enrolled",
                      "list a teacher without an enrolment as a walk-in (walk_in: true)",
                      account_ids=strangers)
    check_walk_ins(list(enumerate(attendees)), enrolled, teachers)


ENABLED = "enabled"


def check_walk_ins(rows: list[tuple[int, Attendee]], enrolled: set[str],
                   teachers: Mapping[str, str]) -> None:
    """A walk-in (listed without a seat) is a teacher the accounts service knows and has
    enabled, as the teachers' replica says: hours are never issued to an unknown, disabled
    or still pending account. ``rows``: each attendee with its place in the list sent."""
    refused = [{"row": row, "account_id": a.account_id,
                "teacher_status": teachers.get(a.account_id, "unknown")}
               for row, a in rows
               if a.walk_in and a.account_id not in enrolled
               and teachers.get(a.account_id) != ENABLED]
    if refused:
        raise Invalid("walk-in-not-a-teacher", "A walk-in is not an enabled teacher",
                      "each walk-in is the account id of an enabled teacher (the accounts "
                      "service's lookup finds it); see `rows`",
                      account_ids=[r["account_id"] for r in refused], rows=refused)


def walk_ins(attendees: list[Attendee], enrolled: set[str]) -> list[str]:
    """The account ids whose replica status the walk-in rule needs."""
    return sorted({a.account_id for a in attendees if a.walk_in and a.account_id not in enrolled})


def is_late(course: HeldCourse, today: date, due_days: int) -> bool:
    return today > due_on(course, due_days)


def check_review(course: HeldCourse, decision: str, reasons: list[str],
                 known_reasons: set[str]) -> None:
    refuse_if_locked(course)
    if course.status != ATTENDANCE_SUBMITTED:
        raise Conflict("attendance-not-submitted", "No attendee list waits for review",
                       f"the course is {course.status}", course_status=course.status)
    if decision == "return" and not reasons:
        raise Invalid("reasons-required", "A returned list needs a reason",
                      "pick at least one reason from the list")
    unknown = sorted(set(reasons) - known_reasons)
    if unknown:
        raise Invalid("unknown-reason", "A reason is not on the list",
                      "reasons come from the operators' list of return reasons",
                      reasons=unknown)
