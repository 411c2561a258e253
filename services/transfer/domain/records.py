"""Rows of transfer format v1 (R-TRF-4) checked field by field into the values kept.

A course: ``source_course_key``, ``title``, ``organiser_unit_code``, ``county_code``,
``start_date``, ``end_date``, ``hours``, ``class_type``, ``category``, ``tags[]``,
``lecturers[]``. An attendance: ``source_course_key``, ``teacher_id`` (national ID or
resident certificate number), ``teacher_name``, ``school_code``, ``hours``,
``completed_on``. Dates ISO 8601 (``YYYY-MM-DD``); hours a decimal ≥ 0 with one decimal.

Each row gives its values or its errors (every field's, not only the first). A course
that starts on or before the freeze date (R-TRF-5) is refused here: such a course can be
neither added nor changed.
"""
from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from json.encoder import encode_basestring as _json_text
from typing import Any, NamedTuple

from contracts.vocabulary import COUNTIES
from services.transfer.domain.row_errors import RowError
from services.transfer.domain.teacher_ids import normalised

UNIT = re.compile(r"^[0-9A-Za-z]{6}$")
MAX_HOURS = Decimal("9999.9")
TENTH = Decimal("0.1")
# An attendance's record key in the events is ``<course key>/<account id>`` (at most 100).
KEY_LENGTH = 60


@dataclass(frozen=True)
class Course:
    key: str
    title: str
    organiser_unit_code: str
    county_code: str
    start_date: date
    end_date: date
    hours: Decimal
    class_type: str
    category: str
    tags: tuple[str, ...]
    lecturers: tuple[str, ...]

    def digest(self) -> str:
        return _digest([self.title, self.organiser_unit_code, self.county_code,
                        self.start_date.isoformat(), self.end_date.isoformat(), str(self.hours),
                        self.class_type, self.category, list(self.tags), list(self.lecturers)])


class Attendance(NamedTuple):
    """``teacher_id`` is held only until the teacher is resolved to an account; it is
    never stored (``digest`` is taken with the account id). A named tuple: a file makes
    one per row, and a tuple is made at a third of a frozen dataclass's cost."""
    course_key: str
    teacher_id: str
    teacher_name: str
    school_code: str
    hours: Decimal
    completed_on: date

    def digest(self, account_id: str) -> str:
        """``_digest`` of the account, name, school, hours and day, its JSON written here:
        each text through the json module's own C string encoder, joined as
        ``json.dumps`` joins a list — the same digest as ever (the unit tests hold the two
        equal), the last three's part made once per distinct three (a file repeats a few
        on every row)."""
        return hashlib.sha256(
            f"[{_json_text(account_id)}, {_json_text(self.teacher_name)}, "
            f"{_digest_tail(self.school_code, str(self.hours), self.completed_on)}".encode()
        ).hexdigest()[:32]


def _digest(values: list[Any]) -> str:
    """The first 32 hex digits of the SHA-256 of the values' JSON (``json.dumps``, its
    default separators, ``ensure_ascii=False``): what is kept and compared."""
    return hashlib.sha256(json.dumps(values, ensure_ascii=False).encode()).hexdigest()[:32]


@functools.lru_cache(maxsize=4096)
def _digest_tail(school_code: str, hours: str, day: date) -> str:
    """The end of an attendance digest's JSON: its school, hours and day, and the list's
    close (a school code is no person's data). The hours come as text: 3 and 3.0 are one
    ``Decimal`` to a cache, but two texts to the digest."""
    return f"{', '.join(map(_json_text, (school_code, hours, day.isoformat())))}]"


# A file repeats the same few hours and days on every row: each text is read once (the
# caches hold only such short texts, never a person's data).
@functools.lru_cache(maxsize=1024)
def _hours(text: str) -> Decimal | None:
    """Hours in text: a decimal from 0 to ``MAX_HOURS`` with at most one decimal (its
    value to one decimal), or None."""
    try:
        hours = Decimal(text)
    except InvalidOperation:
        return None
    if not hours.is_finite() or hours < 0 or hours > MAX_HOURS or \
            hours != hours.quantize(TENTH):
        return None
    return hours.quantize(TENTH)


@functools.lru_cache(maxsize=4096)
def _day(text: str) -> date | None:
    """A day (``YYYY-MM-DD``), or a moment at midnight as spreadsheets write one, or None."""
    if len(text) == 19 and text[10] in "T " and text.endswith("00:00:00"):
        text = text[:10]
    if len(text) != 10:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


class _Row:
    def __init__(self, number: int, raw: Mapping[str, Any]) -> None:
        self.number, self.raw, self.errors = number, raw, list[RowError]()

    def fail(self, field: str, code: str) -> None:
        self.errors.append(RowError(self.number, field, code))

    def text(self, field: str, longest: int, required: bool = True) -> str:
        value = self.raw.get(field)
        text = "" if value is None else str(value).strip()
        if not text and required:
            self.fail(field, "required")
        elif len(text) > longest:
            self.fail(field, "too-long")
        return text

    def code(self, field: str, pattern: re.Pattern[str]) -> str:
        text = self.text(field, 16)
        if text and not pattern.match(text):
            self.fail(field, "invalid-code")
        return text

    def day(self, field: str) -> date:
        value = self.raw.get(field)
        if isinstance(value, date):
            return value
        text = "" if value is None else str(value).strip()
        if not text:
            self.fail(field, "required")
            return date.min
        day = _day(text)
        if day is None:
            self.fail(field, "invalid-date")
            return date.min
        return day

    def hours(self, field: str) -> Decimal:
        value = self.raw.get(field)
        if value is None or str(value).strip() == "":
            self.fail(field, "required")
            return Decimal(0)
        hours = _hours(str(value).strip())
        if hours is None:
            self.fail(field, "invalid-hours")
            return Decimal(0)
        return hours

    def texts(self, field: str, longest: int) -> tuple[str, ...]:
        value = self.raw.get(field)
        if value is None or value == "":
            return ()
        if isinstance(value, str):  # a cell of a sheet: ``a;b;c`` (the format's list in text)
            value = value.split(";")
        if not isinstance(value, list):
            self.fail(field, "not-a-list")
            return ()
        items = tuple(str(item).strip() for item in value if str(item).strip())
        if any(len(item) > longest for item in items):
            self.fail(field, "too-long")
        return items


def check_course(number: int, raw: object, freeze: date,
                 exempt: frozenset[str] = frozenset()) -> Course | list[RowError]:
    """``exempt``: the keys of courses an operator let through the freeze."""
    if not isinstance(raw, Mapping):
        return [RowError(number, "", "invalid-row")]
    row = _Row(number, raw)
    course = Course(
        key=row.text("source_course_key", KEY_LENGTH), title=row.text("title", 200),
        organiser_unit_code=row.code("organiser_unit_code", UNIT),
        county_code=row.text("county_code", 3), start_date=row.day("start_date"),
        end_date=row.day("end_date"), hours=row.hours("hours"),
        class_type=row.text("class_type", 32), category=row.text("category", 64),
        tags=row.texts("tags", 64), lecturers=row.texts("lecturers", 100))
    if course.county_code and course.county_code not in COUNTIES:
        row.fail("county_code", "invalid-code")
    if date.min not in (course.start_date, course.end_date):
        if course.end_date < course.start_date:
            row.fail("end_date", "end-before-start")
        if course.start_date <= freeze and course.key not in exempt:
            row.fail("start_date", "frozen-period")
    return row.errors or course


def check_attendance(number: int, raw: object) -> Attendance | list[RowError]:
    """Field by field: every fault named, or the values. A batch takes the quick path
    first (``plain_attendance``) and brings here only the rows it declined."""
    if not isinstance(raw, Mapping):
        return [RowError(number, "", "invalid-row")]
    row = _Row(number, raw)
    given = row.text("teacher_id", 20)
    teacher_id = normalised(given) if given else None
    if given and teacher_id is None:
        row.fail("teacher_id", "invalid-national-id")
    attendance = Attendance(
        course_key=row.text("source_course_key", KEY_LENGTH), teacher_id=teacher_id or "",
        teacher_name=row.text("teacher_name", 100),
        school_code=row.code("school_code", UNIT), hours=row.hours("hours"),
        completed_on=row.day("completed_on"))
    return row.errors or attendance


def plain_attendance(rows: list[Any]) -> list[Attendance | None]:
    """Each row's values when every field is plainly valid — the same rules as
    ``check_attendance``'s, read without its per-field bookkeeping — or None at the
    first doubt (not a dict nor a file's mapped row, a field missing or not text, one
    invalid): the row's ``check_attendance`` then names every fault. A file's mapped row
    is a tuple of the format's fields in their order (``mapping.MappedTable``).

    A batch names few courses, names, schools, hours and days, each on many rows: each
    distinct text is judged once (``push._attendance`` of a file's 200,000 rows: 0.53 s,
    against 0.65 s judging each row's texts).
    The caches live for the call only and hold texts, never a person's number."""
    keys: dict[str, str | None] = {}
    names: dict[str, str | None] = {}
    schools: dict[str, str | None] = {}
    hours_of: dict[str, Decimal | None] = {}
    days: dict[str, date | None] = {}
    made: list[Attendance | None] = []
    new = tuple.__new__
    for raw in rows:
        if type(raw) is dict:
            key, given, name, school, hours_given, day_given = (
                raw.get("source_course_key"), raw.get("teacher_id"), raw.get("teacher_name"),
                raw.get("school_code"), raw.get("hours"), raw.get("completed_on"))
        elif type(raw) is tuple and len(raw) == 6:  # a file's row, its fields in order
            key, given, name, school, hours_given, day_given = raw
        else:
            made.append(None)
            continue
        if not (type(key) is str and type(given) is str and type(name) is str
                and type(school) is str and type(day_given) is str):
            made.append(None)
            continue
        if key in keys:
            key_kept = keys[key]
        else:
            text = key.strip()
            key_kept = keys[key] = text if 0 < len(text) <= KEY_LENGTH else None
        if name in names:
            name_kept = names[name]
        else:
            text = name.strip()
            name_kept = names[name] = text if 0 < len(text) <= 100 else None
        if school in schools:
            school_kept = schools[school]
        else:  # UNIT as a test: six ASCII letters or digits
            text = school.strip()
            school_kept = schools[school] = text if (
                len(text) == 6 and text.isascii() and text.isalnum()) else None
        if type(hours_given) is str:
            if hours_given in hours_of:
                hours = hours_of[hours_given]
            else:
                hours = hours_of[hours_given] = _hours(hours_given.strip())
        else:
            hours = _hours(str(hours_given)) if type(hours_given) in (int, float) else None
        if day_given in days:
            day = days[day_given]
        else:
            day = days[day_given] = _day(day_given.strip())
        teacher = given.strip()
        teacher_id = normalised(teacher) if 0 < len(teacher) <= 20 else None
        if (key_kept is None or name_kept is None or school_kept is None or hours is None
                or day is None or teacher_id is None):
            made.append(None)
        else:
            made.append(new(Attendance, (key_kept, teacher_id, name_kept, school_kept, hours,
                                         day)))
    return made
