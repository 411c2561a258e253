"""In-memory repositories behind a FakeUnitOfWork, for the courses handlers' fast tests
(no database, no broker). They keep what the SQL repositories promise: a course read is
a copy, an update with a stale version writes nothing."""
from __future__ import annotations

import copy
from datetime import date
from typing import Any

from contracts.events import CATALOGUE
from servicekit.testing.fakes import FakeUnitOfWork
from services.courses.domain.lights import SubmissionGate, gate
from services.courses.domain.reference import SEED
from services.courses.domain.vocabularies import Vocabulary


class FakeCourses:
    def __init__(self) -> None:
        self.rows: dict[str, Any] = {}
        self.numbers: dict[int, int] = {}
        self.series_rows: dict[str, Any] = {}
        self.review_rows: list[Any] = []
        self.attachment_rows: list[Any] = []
        self.counts: dict[str, dict[str, int]] = {}

    def next_number(self, year: int) -> int:
        self.numbers[year] = self.numbers.get(year, 0) + 1
        return self.numbers[year]

    def add(self, course) -> None:
        self.rows[course.course_id] = copy.deepcopy(course)

    def update(self, course, expected_version: int) -> bool:
        kept = self.rows.get(course.course_id)
        if kept is None or kept.version != expected_version:
            return False
        self.rows[course.course_id] = copy.deepcopy(course)
        return True

    def get(self, course_id: str):
        return copy.deepcopy(self.rows.get(course_id))

    def review_queue(self, authority, statuses, unit_code, starts_from, starts_to, sort,
                     descending, page, per_page):
        found = [c for c in self.rows.values() if c.reviewing_authority_code == authority
                 and c.status in statuses and (not unit_code or c.unit_code == unit_code)
                 and (not starts_from or c.starts_on >= starts_from)
                 and (not starts_to or c.starts_on <= starts_to)]
        found.sort(key=lambda c: (getattr(c, sort), c.code), reverse=descending)
        return found[(page - 1) * per_page:page * per_page], len(found)

    def enrolment_counts(self, course_id: str) -> dict[str, int]:
        return dict(self.counts.get(course_id, {}))

    def add_series(self, series) -> None:
        self.series_rows[series.series_id] = series

    def series(self, series_id: str):
        return self.series_rows.get(series_id)

    def add_review(self, review) -> None:
        self.review_rows.append(review)

    def reviews(self, course_id: str) -> list:
        return [r for r in self.review_rows if r.course_id == course_id]

    def add_attachment(self, attachment) -> None:
        self.attachment_rows.append(attachment)

    def attachments(self, course_id: str) -> list:
        return [a for a in self.attachment_rows if a.course_id == course_id]

    def attachment(self, course_id: str, attachment_id: str):
        return next((a for a in self.attachment_rows if a.course_id == course_id
                     and a.attachment_id == attachment_id), None)


class FakeVocabularies:
    def __init__(self) -> None:
        self.kept = {(t.kind, t.code): t for t in SEED}

    def vocabulary(self) -> Vocabulary:
        return Vocabulary(self.kept.values())

    def terms(self, kind: str | None = None) -> list:
        return [t for t in self.kept.values() if kind is None or t.kind == kind]

    def put(self, term, at) -> bool:
        new = (term.kind, term.code) not in self.kept
        self.kept[(term.kind, term.code)] = term
        return new

    def add_missing(self, terms, at) -> int:
        new = [t for t in terms if (t.kind, t.code) not in self.kept]
        for term in new:
            self.kept[(term.kind, term.code)] = term
        return len(new)


class FakeUnits:
    """The replica: units by code, their jurisdiction changes, routing rules by type."""

    def __init__(self) -> None:
        self.units: dict[str, dict[str, Any]] = {}
        self.jurisdiction: dict[str, list] = {}
        self.routing: list = []

    def add(self, code: str, unit_type: str, authority: str, county: str | None) -> None:
        self.units[code] = {"code": code, "name": code, "unit_type": unit_type,
                            "authority_code": authority, "county_code": county, "version": 1}

    def unit(self, code: str):
        return self.units.get(code)

    def changes(self, code: str) -> list:
        return list(self.jurisdiction.get(code, []))

    def rules(self, unit_type: str) -> list:
        return [r for r in self.routing if r.unit_type == unit_type]


class FakeLights:
    """Units whose light is red (5 courses overdue), refused from ``enforced_from``."""

    def __init__(self) -> None:
        self.red: set[str] = set()
        self.enforced_from = date(2017, 11, 1)

    def gate(self, unit_code: str, today: date) -> SubmissionGate:
        return gate(5 if unit_code in self.red else 0, today, self.enforced_from, unit_code)


class FakeCoursesUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__("courses", CATALOGUE)

    def open_repositories(self) -> None:
        self.courses = FakeCourses()
        self.vocabularies = FakeVocabularies()
        self.units = FakeUnits()
        self.lights = FakeLights()
