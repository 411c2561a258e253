"""What happened to the national catalogue's courses after they were registered (issue 13,
item 8): the reviews, and for a closed course its attendee list, the list's review and the
hours each attendee was issued — what courses' ``announce-history`` tells stats, so that
its reports of reviews, lists sent, courses held and teachers' hours are not empty at
national scale. Loaded by COPY into courses' own tables; the courses' rows are not changed.

Drawn from a block's own generator (``seed``, block) and the block's places, so a seed and
an enrolment scale give the same outcomes however the catalogue got there (loaded at once,
grown, or its enrolments drawn again, which draws these again too).

Proportions: every course past "submitted" was approved when ``approved_at`` says, and
``RETURNED`` of them were first returned with a reason the day after their submission
(R-CRS-3); a closed course's list was sent in the days after its end (``LATE`` of them after
the issuing deadline), approved the day before the course closed, and names ``ATTENDED`` of
the teachers who got a place, each issued the course's hours (R-CRS-5)."""
from __future__ import annotations

import json
import random
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import psycopg

RETURNED = 0.12  # of the courses reviewed, first returned once
RETURN_LETTERS = "ABCD"
ATTENDED = 0.9  # of the places got, on the list
LATE = 0.05  # of the lists, sent after the deadline
TABLES = ("course_reviews", "course_closing", "attendees", "attendance_reviews")
_TAIPEI = timedelta(hours=8)


def _at(day: date, hour: int) -> datetime:
    """``hour`` o'clock in Taipei on ``day``, in UTC."""
    return datetime.combine(day, time(hour), UTC) - _TAIPEI


def _id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def draw(courses: list[dict[str, Any]], places: Iterable[tuple[Any, ...]], seed: int,
         block: int) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of ``TABLES`` for a block's courses and places (``_enrolments``' tuples)."""
    rng = random.Random(f"{seed}:outcomes:{block}")
    enrolled: dict[str, list[str]] = defaultdict(list)
    for _, course_id, account_id, status, *_rest in places:
        if status == "enrolled":
            enrolled[course_id].append(account_id)
    rows: dict[str, list[tuple[Any, ...]]] = {table: [] for table in TABLES}
    for course in courses:
        if course["approved_at"] is None:
            continue
        submitted = course["created_at"] + timedelta(hours=1)
        reviewer = _id(rng)
        if rng.random() < RETURNED:
            returned = submitted + timedelta(days=1)
            rows["course_reviews"].append((
                _id(rng), course["course_id"], "return", json.dumps([rng.choice(RETURN_LETTERS)]),
                reviewer, course["reviewing_authority_code"], returned, (returned + _TAIPEI).date()))
        approved = course["approved_at"]
        rows["course_reviews"].append((
            _id(rng), course["course_id"], "approve", "[]", reviewer,
            course["reviewing_authority_code"], approved, (approved + _TAIPEI).date()))
        if course["status"] != "closed":
            continue
        attendees = [a for a in enrolled[course["course_id"]] if rng.random() < ATTENDED]
        late = rng.random() < LATE
        sent = _at(course["ends_on"] + timedelta(days=5 if late else rng.randint(0, 3)),
                   rng.randint(9, 17))
        rows["course_closing"].append((course["course_id"], sent, course["organiser_account_id"],
                                       late))
        rows["attendees"].extend((course["course_id"], account, course["hours"], False)
                                 for account in attendees)
        rows["attendance_reviews"].append((
            _id(rng), course["course_id"], "approve", "[]", _id(rng),
            _at(course["ends_on"] + timedelta(days=6), 10)))
    return rows


_COLUMNS = {
    "course_reviews": "review_id, course_id, decision, reasons, reviewer_account_id, "
                      "reviewing_authority_code, decided_at, decided_on",
    "course_closing": "course_id, submitted_at, submitted_by, late",
    "attendees": "course_id, account_id, hours, walk_in",
    "attendance_reviews": "review_id, course_id, decision, reasons, reviewer_account_id, "
                          "decided_at",
}


def load(db: psycopg.Connection[Any], courses: list[dict[str, Any]],
         places: Iterable[tuple[Any, ...]], seed: int, block: int) -> int:
    """Draws and loads a block's outcomes; the rows written."""
    written = 0
    for table, rows in draw(courses, places, seed, block).items():
        with db.cursor().copy(f"COPY {table} ({_COLUMNS[table]}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        written += len(rows)
    return written
