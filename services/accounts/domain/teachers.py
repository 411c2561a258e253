"""Teacher data refresh (R-ACC-3): what a county's row means for the teacher we know.

A row is matched to a teacher by national ID (through its keyed hash, never the number
itself). Its outcome is one of: created, updated, unchanged, rejected (with a reason).
An unchanged row writes nothing and says nothing on the bus, so a county may send the
same file every day.

A teacher serves at one school at a time; a row naming another school is a move from
``since`` (the row's date, or the day of the import), and the school left becomes a past
assignment. A row without an e-mail keeps the one we have: counties often know none."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

CREATED, UPDATED, UNCHANGED, REJECTED = "created", "updated", "unchanged", "rejected"

# Row rejection reasons: stable slugs a county's system can act on.
INVALID_NATIONAL_ID = "invalid-national-id"
DUPLICATE_NATIONAL_ID = "duplicate-national-id"
INVALID_NAME = "invalid-name"
INVALID_EMAIL = "invalid-email"
INVALID_SCHOOL_CODE = "invalid-school-code"
UNKNOWN_UNIT = "unknown-unit"
NOT_A_SCHOOL = "not-a-school"
OUTSIDE_AUTHORITY = "unit-outside-authority"
TEACHER_OUTSIDE_AUTHORITY = "teacher-outside-authority"  # a known teacher of another's school
INVALID_DATE = "invalid-date"
MOVE_BEFORE_CURRENT = "move-before-current-assignment"


@dataclass(frozen=True)
class TeacherRow:
    """One row as read, its fields checked one by one; the national ID is normalised."""
    row: int
    national_id: str
    name: str
    school_code: str
    email: str | None
    since: date | None


@dataclass(frozen=True)
class KnownTeacher:
    account_id: str
    login: str
    status: str
    display_name: str
    email: str | None
    unit_code: str | None
    school_since: date | None
    version: int


@dataclass(frozen=True)
class TeacherChange:
    """What an update writes: the new current values, and the school left (if any)."""
    display_name: str
    email: str | None
    unit_code: str
    school_since: date | None
    version: int
    left_school: str | None = None
    left_since: date | None = None

    @property
    def moved(self) -> bool:
        return self.left_school is not None

    @property
    def moved_on(self) -> date:
        """The day of a move: change_for gives every move one."""
        if self.school_since is None:
            raise ValueError("a move without its date")
        return self.school_since


@dataclass(frozen=True)
class RowOutcome:
    row: int
    status: str
    account_id: str | None = None
    login: str | None = None
    reason: str | None = None
    detail: str | None = None


class RowRejected(ValueError):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def change_for(known: KnownTeacher, name: str, email: str | None, school_code: str,
               since: date | None, day: date, clear_email: bool = False) -> TeacherChange | None:
    """None when nothing is new; raises RowRejected for an impossible move. ``since``
    matters only for a move (None: from ``day``). No e-mail keeps the known one, unless
    ``clear_email`` (someone asked for it to go)."""
    email = email if email is not None or clear_email else known.email
    if (name, email, school_code) == (known.display_name, known.email, known.unit_code):
        return None
    if school_code == known.unit_code:
        return TeacherChange(name, email, school_code, known.school_since, known.version + 1)
    since = since or day
    if known.school_since is not None and since <= known.school_since:
        raise RowRejected(MOVE_BEFORE_CURRENT,
                          f"the move must start after {known.school_since.isoformat()}, "
                          f"when the current assignment began")
    return TeacherChange(name, email, school_code, since, known.version + 1,
                         left_school=known.unit_code, left_since=known.school_since)


def duplicated_rows(rows: Iterable[TeacherRow]) -> dict[int, list[int]]:
    """Row → the other rows with the same national ID. Every copy is rejected: which one
    is right is for the county to say."""
    by_id: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        by_id[row.national_id].append(row.row)
    return {number: [other for other in numbers if other != number]
            for numbers in by_id.values() if len(numbers) > 1 for number in numbers}
