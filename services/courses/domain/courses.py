"""A course as its organiser registers it and its reviewer decides on it (R-CRS-1…3,
R-CRS-10): the fields, the rules each must keep, the states and which change each allows.
Plain Python: the HTTP edge checks shapes, these rules check meaning."""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from contracts.calendar import TAIPEI
from contracts.vocabulary import COUNTIES
from servicekit.errors import Conflict, Invalid
from services.courses.domain.vocabularies import (
    AUDIENCE,
    CATEGORY,
    CLASS_TYPE,
    NATURE,
    RETURN_REASON,
    SUBCATEGORY,
    SUBJECT,
    TAG,
    TIME_SLOT,
    Vocabulary,
)

DRAFT, SUBMITTED, RETURNED, APPROVED = "draft", "submitted", "returned", "approved"
ATTENDANCE_SUBMITTED, ATTENDANCE_RETURNED, CLOSED = (
    "attendance_submitted", "attendance_returned", "closed")
EDITABLE = frozenset({DRAFT, RETURNED})
SUBMITTABLE = frozenset({DRAFT, RETURNED})
LOCKED = frozenset({CLOSED})
FAIRNESS = ("first_come", "lottery")
APPROVE, RETURN = "approve", "return"

# R-CRS-10: a title with one of these is a meeting registered as training.
MEETING_KEYWORDS = ("校務會議", "學年會議", "行政會議")

ONE_DECIMAL = Decimal("0.1")


# How a reviewer may order the queue (R-CRS-3): the keys the edge accepts and the
# repository sorts by.
QUEUE_SORT_KEYS = ("submitted_at", "starts_on", "code", "unit_code")

@dataclass(frozen=True)
class Meeting:
    on: date
    starts_at: time
    ends_at: time

    def hours(self) -> Decimal:
        minutes = (self.ends_at.hour * 60 + self.ends_at.minute) - (
            self.starts_at.hour * 60 + self.starts_at.minute)
        return Decimal(minutes) / 60


@dataclass
class Course:
    course_id: str
    code: str
    status: str
    title: str
    unit_code: str
    organiser_account_id: str
    audiences: list[str]
    class_type: str
    nature: str
    category: str
    subcategory: str
    subject: str
    time_slot: str
    meetings: list[Meeting]
    hours: Decimal
    place: str
    county_code: str
    lecturers: list[str]
    capacity: int
    enrolment_opens_at: datetime
    enrolment_closes_at: datetime
    organiser_accepts: bool
    fairness: str
    series_id: str | None
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    reviewing_authority_code: str | None = None
    version: int = 1
    submitted_at: datetime | None = None
    approved_at: datetime | None = None
    closed_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # columns other parts add

    @property
    def starts_on(self) -> date:
        return min(m.on for m in self.meetings)

    @property
    def ends_on(self) -> date:
        return max(m.on for m in self.meetings)

    @property
    def first_meeting_starts(self) -> datetime:
        first = min(self.meetings, key=lambda m: (m.on, m.starts_at))
        return datetime.combine(first.on, first.starts_at, TAIPEI)

    @property
    def meeting_keywords(self) -> list[str]:
        return meeting_keywords(self.title)


@dataclass(frozen=True)
class Series:
    series_id: str
    unit_code: str
    title: str
    one_session_per_teacher: bool
    created_at: datetime


@dataclass(frozen=True)
class Review:
    review_id: str
    course_id: str
    decision: str
    reasons: list[str]
    comment: str | None
    reviewer_account_id: str
    reviewing_authority_code: str
    decided_at: datetime
    decided_on: date


def meeting_keywords(title: str, keywords: Iterable[str] = MEETING_KEYWORDS) -> list[str]:
    """R-CRS-10: the meeting names a title contains (empty: none); ``keywords`` the
    operators' list (the vocabulary ``meeting_keyword``), the seed's three by default."""
    return [word for word in keywords if word in title]


def course_code(year: int, number: int) -> str:
    """Readable and unique: the year of registration and its running number."""
    return f"{year}-{number:06d}"


# Fields a registration carries and an edit may change (the rest the service sets).
EDITABLE_FIELDS = (
    "title", "audiences", "class_type", "nature", "category", "subcategory", "subject",
    "time_slot", "meetings", "hours", "place", "county_code", "lecturers", "capacity",
    "enrolment_opens_at", "enrolment_closes_at", "organiser_accepts", "fairness",
    "series_id", "tags")


def invalid(errors: Mapping[str, list[str]]) -> Invalid:
    """The same answer as a field the edge refuses: ``errors`` names each field."""
    return Invalid("validation-failed", "The request is not valid",
                   "See `errors` for each field.", errors=dict(errors))


def check_course(course: Course, vocabulary: Vocabulary, series: Series | None) -> None:
    """Every rule of R-CRS-1 a course's fields must keep together; one Invalid naming each
    field that breaks one."""
    errors: dict[str, list[str]] = {}

    def refuse(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if not course.title.strip():
        refuse("title", "must not be blank")
    if not course.audiences:
        refuse("audiences", "at least one audience level")
    for code in course.audiences:
        if not vocabulary.usable(AUDIENCE, code):
            refuse("audiences", f"unknown audience level {code!r}")
    if len(set(course.audiences)) != len(course.audiences):
        refuse("audiences", "an audience level is listed twice")
    for name, kind in (("class_type", CLASS_TYPE), ("nature", NATURE), ("time_slot", TIME_SLOT)):
        if not vocabulary.usable(kind, getattr(course, name)):
            refuse(name, f"unknown {name.replace('_', ' ')} {getattr(course, name)!r}")
    if not vocabulary.usable(CATEGORY, course.category):
        refuse("category", f"unknown category {course.category!r}")
    elif not vocabulary.usable(SUBCATEGORY, course.subcategory, course.category):
        refuse("subcategory", f"{course.subcategory!r} is not a sub-category of "
                              f"{course.category!r}")
    elif not vocabulary.usable(SUBJECT, course.subject, course.subcategory):
        refuse("subject", f"{course.subject!r} is not a subject of {course.subcategory!r}")
    for code in course.tags:
        if not vocabulary.usable(TAG, code):
            refuse("tags", f"unknown policy tag {code!r}")
    if len(set(course.tags)) != len(course.tags):
        refuse("tags", "a tag is listed twice")
    if course.county_code not in COUNTIES:
        refuse("county_code", f"unknown county {course.county_code!r}")
    if course.fairness not in FAIRNESS:
        refuse("fairness", f"one of {', '.join(FAIRNESS)}")
    if not course.lecturers or any(not name.strip() for name in course.lecturers):
        refuse("lecturers", "at least one lecturer, none blank")
    if course.capacity < 1:
        refuse("capacity", "at least 1")
    _check_meetings_and_hours(course, refuse)
    if course.enrolment_opens_at >= course.enrolment_closes_at:
        refuse("enrolment_closes_at", "must be after enrolment_opens_at")
    elif course.meetings and course.enrolment_closes_at > course.first_meeting_starts:
        refuse("enrolment_closes_at", "must not be after the first meeting starts")
    if course.series_id is not None and (series is None or series.unit_code != course.unit_code):
        refuse("series_id", "no such series of this unit")
    if errors:
        raise invalid(errors)


def _check_meetings_and_hours(course: Course, refuse: Any) -> None:
    if not course.meetings:
        refuse("meetings", "at least one meeting")
    for n, meeting in enumerate(course.meetings):
        if meeting.ends_at <= meeting.starts_at:
            refuse("meetings", f"meeting {n + 1} must end after it starts")
    seen = {(m.on, m.starts_at) for m in course.meetings}
    if len(seen) != len(course.meetings):
        refuse("meetings", "two meetings start at the same time")
    if course.hours <= 0 or course.hours != course.hours.quantize(ONE_DECIMAL):
        refuse("hours", "more than 0, with at most one decimal")
    elif course.meetings:
        # Hours are issued for time spent: never more than the meetings last, to the tenth.
        total = sum((m.hours() for m in course.meetings if m.ends_at > m.starts_at), Decimal(0))
        most = Decimal(math.ceil(total * 10)) / 10
        if course.hours > most:
            refuse("hours", f"more than the meetings last ({most} hours)")


def check_editable(course: Course) -> None:
    if course.status in LOCKED:
        raise Conflict("course-locked", "The course is closed and locked",
                       f"course {course.code} is closed; only an amendment can change it")
    if course.status not in EDITABLE:
        raise Conflict("course-not-editable", "The course cannot be edited now",
                       f"course {course.code} is {course.status}; only a draft or a returned "
                       f"course is edited", course_status=course.status)


def check_submittable(course: Course, today: date, days_ahead: int) -> None:
    """R-CRS-2: at least ``days_ahead`` days before the first meeting."""
    if course.status in LOCKED:
        check_editable(course)
    if course.status not in SUBMITTABLE:
        raise Conflict("course-not-submittable", "The course cannot be submitted now",
                       f"course {course.code} is {course.status}", course_status=course.status)
    if (course.starts_on - today).days < days_ahead:
        raise Conflict("submission-too-late", "Too late to submit the course",
                       f"a course is submitted at least {days_ahead} days before its first "
                       f"meeting ({course.starts_on.isoformat()})", days_ahead=days_ahead,
                       starts_on=course.starts_on.isoformat())


def check_decision(decision: str, reasons: list[str], vocabulary: Vocabulary) -> None:
    """R-CRS-3: a return names at least one reason of the list; an approval none."""
    errors: dict[str, list[str]] = {}
    if decision == RETURN and not reasons:
        errors["reasons"] = ["a return names at least one reason"]
    if decision == APPROVE and reasons:
        errors["reasons"] = ["an approval carries no return reason"]
    unknown = [code for code in reasons if not vocabulary.usable(RETURN_REASON, code)]
    if unknown:
        errors.setdefault("reasons", []).append(f"unknown reasons {unknown}")
    if len(set(reasons)) != len(reasons):
        errors.setdefault("reasons", []).append("a reason is listed twice")
    if errors:
        raise invalid(errors)
