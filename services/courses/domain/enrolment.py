"""Enrolment rules (R-CRS-4), in plain Python: the states of a teacher's place in a
course, the window, the waiting list's size, and the lottery's draw.

States of an enrolment:
    enrolled     holds a seat
    pending      holds a seat until the organiser accepts (→ enrolled) or declines
    waitlisted   waits for a seat, in arrival order; promoted when one frees
    applied      applied to a lottery course; the draw at the window's close decides
    declined     the organiser said no
    cancelled    the teacher withdrew (may enrol again while the window is open)
    not_drawn    applied and not drawn

The waiting list holds as many teachers as the course has seats (``waitlist_limit``):
past that an attempt is refused ``course-full``. A lottery course has no waiting list.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

ENROLLED = "enrolled"
PENDING = "pending"
WAITLISTED = "waitlisted"
APPLIED = "applied"
DECLINED = "declined"
CANCELLED = "cancelled"
NOT_DRAWN = "not_drawn"
STATUSES = (ENROLLED, PENDING, WAITLISTED, APPLIED, DECLINED, CANCELLED, NOT_DRAWN)
SEATED = frozenset({ENROLLED, PENDING})
# A place the teacher holds: enrolling again is ``already-enrolled``, cancelling is allowed.
HOLDING = frozenset({ENROLLED, PENDING, WAITLISTED, APPLIED})
# Only a cancelled enrolment may be taken up again; a declined or undrawn one is final.
REUSABLE = frozenset({CANCELLED})

# Refusals: the slug of the answer and the outcome kept with the attempt.
COURSE_FULL = "course-full"
ALREADY_ENROLLED = "already-enrolled"
DUPLICATE_SESSION = "duplicate-session"
ENROLMENT_CLOSED = "enrolment-closed"

FIRST_COME = "first_come"
LOTTERY = "lottery"

# What the seat statement decided.
SEAT, WAIT, FULL = "seat", "wait", "full"

# Mail kinds (and the teacher's news): what happened to their enrolment.
PROMOTED, ACCEPTED, DECLINED_NEWS, WON, LOST = "promoted", "accepted", "declined", "won", "lost"


@dataclass(frozen=True)
class EnrolmentCourse:
    """A course (``domain.courses.Course``) as enrolment reads it: its seats, window,
    fairness and series, and its status (only an approved course takes enrolments)."""
    course_id: str
    code: str
    title: str
    status: str
    unit_code: str
    capacity: int
    opens_at: datetime
    closes_at: datetime
    organiser_accepts: bool
    fairness: str
    series_id: str | None
    one_session_per_teacher: bool
    starts_on: date

    @property
    def lottery(self) -> bool:
        return self.fairness == LOTTERY

    @property
    def one_per_series(self) -> str | None:
        """The series whose sessions a teacher holds one of, if the series says so."""
        return self.series_id if self.series_id and self.one_session_per_teacher else None

    def window_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at

    @property
    def seat_status(self) -> str:
        """What a teacher who gets a seat (directly, promoted or drawn) becomes."""
        return PENDING if self.organiser_accepts else ENROLLED


@dataclass(frozen=True)
class Enrolment:
    enrolment_id: str
    course_id: str
    account_id: str
    status: str
    arrival: int
    created_at: datetime
    updated_at: datetime


def waitlist_limit(capacity: int) -> int:
    """The waiting list's size: as many as the seats (documented in the README)."""
    return capacity


# -- the lottery ------------------------------------------------------------------------
def seed_digest(seed: str) -> str:
    """What is published when the window opens: SHA-256 of the seed's text (hex), so the
    seed revealed with the result can be checked against it."""
    return hashlib.sha256(seed.encode("ascii")).hexdigest()


def draw_key(seed: str, account_id: str) -> str:
    """An applicant's place in the draw: SHA-256 of ``seed || account_id`` (the two texts
    joined, UTF-8), hex. Nobody knows the seed before the draw, so nobody can choose a key."""
    return hashlib.sha256((seed + account_id).encode()).hexdigest()


def draw(seed: str, applicants: Iterable[str], seats: int) -> tuple[list[str], list[str]]:
    """The winners and the others, in draw order: applicants sorted by ``draw_key``
    ascending (ties, which SHA-256 makes practically impossible, by account id); the first
    ``seats`` win. Anyone with the revealed seed and the applicants' account ids re-runs it."""
    order = sorted(set(applicants), key=lambda account: (draw_key(seed, account), account))
    return order[:seats], order[seats:]
