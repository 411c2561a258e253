"""Calendars (RFC 5545): a teacher's courses at a secret address, and one course's meetings.

Calendar apps cannot sign in, so a teacher's feed is read with a secret in its address: 256
random bits, shown once and kept only as its SHA-256 (a guess-proof secret needs no slow
hash: there is nothing to try but every value). Resetting it replaces the digest, so the
old address stops answering."""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from services.courses.domain.courses import Course

# The enrolment states a teacher's calendar shows, and how: a seat held (enrolled, or
# pending the organiser's acceptance) is confirmed; waiting for a seat (waiting list, an
# application to a lottery not yet drawn) is tentative. Cancelled, declined and not drawn
# enrolments are not the teacher's courses any more and leave the calendar.
CONFIRMED_STATES = ("enrolled", "pending")
TENTATIVE_STATES = ("waitlisted", "applied")
SHOWN_STATES = CONFIRMED_STATES + TENTATIVE_STATES

_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def well_formed(token: str) -> bool:
    return _TOKEN.fullmatch(token) is not None


def status_of(enrolment_status: str) -> str:
    """The VEVENT STATUS of a meeting for a teacher in this state."""
    return "CONFIRMED" if enrolment_status in CONFIRMED_STATES else "TENTATIVE"


@dataclass(frozen=True)
class CalendarEntry:
    """A course on a calendar, with the VEVENT STATUS its meetings carry."""
    course: Course
    status: str = "CONFIRMED"


@dataclass(frozen=True)
class CalendarToken:
    account_id: str
    token_sha256: str
    created_at: datetime
