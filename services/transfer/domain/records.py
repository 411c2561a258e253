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

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from contracts.vocabulary import COUNTIES
from services.transfer.domain.row_errors import RowError
from services.transfer.domain.teacher_ids import normalised

UNIT = re.compile(r"^[0-9A-Za-z]{6}$")
MAX_HOURS = Decimal("9999.9")
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


@dataclass(frozen=True)
class Attendance:
    """``teacher_id`` is held only until the teacher is resolved to an account; it is
    never stored (``digest`` is taken with the account id)."""
    course_key: str
    teacher_id: str
    teacher_name: str
    school_code: str
    hours: Decimal
    completed_on: date

    def digest(self, account_id: str) -> str:
        return _digest([account_id, self.teacher_name, self.school_code, str(self.hours),
                        self.completed_on.isoformat()])


def _digest(values: list[Any]) -> str:
    return hashlib.sha256(json.dumps(values, ensure_ascii=False).encode()).hexdigest()[:32]


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
        try:  # a day, or a moment at midnight as spreadsheets write one
            if len(text) == 19 and text[10] in "T " and text.endswith("00:00:00"):
                text = text[:10]
            if len(text) != 10:
                raise ValueError(text)
            return date.fromisoformat(text)
        except ValueError:
            self.fail(field, "invalid-date")
            return date.min

    def hours(self, field: str) -> Decimal:
        value = self.raw.get(field)
        if value is None or str(value).strip() == "":
            self.fail(field, "required")
            return Decimal(0)
        try:
            hours = Decimal(str(value).strip())
        except InvalidOperation:
            hours = Decimal(-1)
        if not hours.is_finite() or hours < 0 or hours > MAX_HOURS or \
                hours != hours.quantize(Decimal("0.1")):
            self.fail(field, "invalid-hours")
            return Decimal(0)
        return hours.quantize(Decimal("0.1"))

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
