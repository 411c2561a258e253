"""The traffic light of a unit (R-CRS-7; the seed's 業務帳號燈號): over all its business
accounts and the current year, the courses whose last day + the grace days (7) has passed
without hours issued, degree programmes left out. Green 0, yellow 1–4, red 5 or more.
Red blocks submitting new courses from the enforcement date (before it, a warning only)
and lifts by itself once the count is below 5.

"Current year": courses whose last day falls in the Taipei year of the day counted."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from servicekit.errors import Conflict
from services.courses.domain.closing import HELD_NOT_CLOSED, HeldCourse
from services.courses.domain.vocabularies import DEGREE_PROGRAMME

GREEN, YELLOW, RED = "green", "yellow", "red"
RED_FROM = 5


def colour(overdue: int) -> str:
    if overdue == 0:
        return GREEN
    return YELLOW if overdue < RED_FROM else RED


def is_overdue(course: HeldCourse, today: date, grace_days: int) -> bool:
    return (course.status in HELD_NOT_CLOSED
            and course.class_type != DEGREE_PROGRAMME
            and course.ends_on.year == today.year
            and course.ends_on + timedelta(days=grace_days) < today)


def overdue_courses(courses: list[HeldCourse], today: date, grace_days: int) -> list[HeldCourse]:
    return sorted((c for c in courses if is_overdue(c, today, grace_days)),
                  key=lambda c: (c.ends_on, c.code))


@dataclass(frozen=True)
class Light:
    unit_code: str
    year: int
    overdue: int
    light: str
    version: int


@dataclass(frozen=True)
class SubmissionGate:
    """What a unit's light says of submitting a course today: ``warning`` is set while red
    before the enforcement date (the submission goes through, the organiser is told)."""
    light: str
    overdue: int
    warning: str | None
    enforced_from: date


def blocks(overdue: int, today: date, enforced_from: date) -> bool:
    return colour(overdue) == RED and today >= enforced_from


LIGHT_RED = "unit-light-red"  # the refusal's slug, and the warning's before enforcement


def gate(overdue: int, today: date, enforced_from: date,
         unit_code: str | None = None) -> SubmissionGate:
    light = colour(overdue)
    if light != RED:
        return SubmissionGate(light, overdue, None, enforced_from)
    if blocks(overdue, today, enforced_from):
        raise Conflict(LIGHT_RED, "The unit's light is red",
                       f"{overdue} courses of this year ended over a week ago without hours "
                       "issued; new courses are submitted again once fewer than 5 remain",
                       overdue=overdue, enforced_from=enforced_from.isoformat(),
                       unit_code=unit_code)
    return SubmissionGate(light, overdue, f"the unit's light is red ({overdue} courses without "
                          f"hours); from {enforced_from} new courses will be refused",
                          enforced_from)
