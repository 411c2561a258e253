"""In-memory repositories of closing (the methods of services/courses/adapters/closing_repo.py)
on the kit's FakeUnitOfWork: handler tests with no database and no broker. A repository
hands out copies, so a handler's change counts only through ``save``, as in SQL."""
from __future__ import annotations

import copy
import uuid
from dataclasses import asdict, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from contracts.events import CATALOGUE
from servicekit.clock import FixedClock
from servicekit.testing.fakes import FakeUnitOfWork
from servicekit.tokens import Principal
from services.courses.domain.amendments import Amendment
from services.courses.domain.closing import HELD_NOT_CLOSED, Attendee, HeldCourse
from services.courses.domain.lights import Light
from services.courses.domain.transcripts import Entry
from services.courses.domain.vocabularies import RETURN_REASON, ROSTER_RETURN, Term


class FakeClosingCourses:
    def __init__(self) -> None:
        self.rows: dict[str, HeldCourse] = {}
        self.units: dict[str, dict[str, Any]] = {}
        self.closed_at: dict[str, datetime] = {}

    def get(self, course_id: str, *, for_update: bool = False) -> HeldCourse | None:
        course = self.rows.get(course_id)
        return replace(course) if course else None

    def save(self, course: HeldCourse, now: datetime, *, closed: bool = False) -> None:
        self.rows[course.course_id] = replace(course)
        if closed:
            self.closed_at[course.course_id] = now

    def held_not_closed(self, year: int, unit_code: str | None = None) -> list[HeldCourse]:
        return [replace(c) for c in self.rows.values() if c.status in HELD_NOT_CLOSED
                and c.ends_on.year == year and unit_code in (None, c.unit_code)]

    def tags(self, course_id: str) -> list[str]:
        return []

    def organiser(self, unit_code: str) -> str:
        return self.units.get(unit_code, {}).get("name", unit_code)

    def unit(self, unit_code: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.units.get(unit_code))


class FakeAttendance:
    def __init__(self) -> None:
        self.enrolled: dict[str, set[str]] = {}
        self.lists: dict[str, list[Attendee]] = {}
        self.submissions: dict[str, dict[str, Any]] = {}
        self.decisions: dict[str, list[dict[str, Any]]] = {}
        # The teachers' replica: account id → status (enabled, disabled, pending).
        self.teachers: dict[str, str] = dict.fromkeys(TEACHERS, "enabled")

    def teacher_statuses(self, account_ids: list[str]) -> dict[str, str]:
        return {a: self.teachers[a] for a in account_ids if a in self.teachers}

    def replace(self, course_id: str, listed: list[Attendee], submitted_at: datetime,
                submitted_by: str, late: bool) -> None:
        self.lists[course_id] = sorted(listed, key=lambda a: a.account_id)
        self.submissions[course_id] = {"submitted_at": submitted_at,
                                       "submitted_by": submitted_by, "late": late}

    def enrolled_accounts(self, course_id: str) -> set[str]:
        return set(self.enrolled.get(course_id, set()))

    def attendees(self, course_id: str) -> list[Attendee]:
        return list(self.lists.get(course_id, []))

    def submission(self, course_id: str) -> dict[str, Any] | None:
        return self.submissions.get(course_id)

    def set_hours(self, course_id: str, account_id: str, hours: Decimal) -> None:
        self.lists[course_id] = [replace(a, hours=hours) if a.account_id == account_id else a
                                 for a in self.lists[course_id]]

    def add(self, course_id: str, attendee: Attendee) -> None:
        self.lists[course_id] = sorted([*self.lists.get(course_id, []), attendee],
                                       key=lambda a: a.account_id)

    def remove(self, course_id: str, account_id: str) -> None:
        self.lists[course_id] = [a for a in self.lists[course_id] if a.account_id != account_id]

    def add_review(self, course_id: str, decision: str, reasons: list[str], comment: str | None,
                   reviewer: str, decided_at: datetime) -> None:
        self.decisions.setdefault(course_id, []).append({
            "decision": decision, "reasons": reasons, "comment": comment,
            "reviewer_account_id": reviewer, "decided_at": decided_at})

    def reviews(self, course_id: str) -> list[dict[str, Any]]:
        return list(self.decisions.get(course_id, []))


class FakeVocabularies:
    def __init__(self) -> None:
        self.rows = [Term(ROSTER_RETURN, "A", "〔A.研習名單〕名單人員與實際出席情形不符", position=1),
                     Term(ROSTER_RETURN, "Z", "〔Z.其他〕請見說明", position=2),
                     Term(ROSTER_RETURN, "OLD", "retired", position=3, active=False),
                     Term(RETURN_REASON, "J", "〔J.研習附件〕請上傳核定公文", position=1)]

    def terms(self, kind: str | None = None) -> list[Term]:
        return [t for t in self.rows if kind in (None, t.kind)]


class FakeAmendments:
    def __init__(self, courses: FakeClosingCourses) -> None:
        self.courses = courses  # for each request's course code and title, as SQL joins
        self.route_table = {"national": "network", "county": "county",
                            "legal_entity": "network"}
        self.rows: dict[str, Amendment] = {}

    def routes(self) -> dict[str, str]:
        return dict(self.route_table)

    def put_route(self, category: str, approver: str, now: datetime, by: str) -> None:
        self.route_table[category] = approver

    def add(self, amendment: Amendment) -> None:
        self.rows[amendment.amendment_id] = copy.deepcopy(amendment)

    def get(self, amendment_id: str) -> Amendment | None:
        found = self.rows.get(amendment_id)
        return copy.deepcopy(found) if found else None

    def save(self, amendment: Amendment) -> None:
        self.rows[amendment.amendment_id] = copy.deepcopy(amendment)

    def batch(self, approver: str, month: str) -> list[Amendment]:
        return [copy.deepcopy(a) for a in sorted(self.rows.values(), key=lambda a: a.requested_at)
                if a.approver_authority_code == approver and a.batch_month == month]

    def of_unit(self, unit_code: str, status: str | None, course_id: str | None, page: int,
                per_page: int) -> tuple[list[dict[str, Any]], int]:
        found = [a for a in sorted(self.rows.values(), key=lambda a: a.requested_at,
                                   reverse=True)
                 if a.unit_code == unit_code and status in (None, a.status)
                 and course_id in (None, a.course_id)]
        rows = []
        for amendment in found[(page - 1) * per_page:page * per_page]:
            course = self.courses.rows[amendment.course_id]
            row = copy.deepcopy(asdict(amendment))
            row.pop("audit")
            rows.append({**row, "course_code": course.code, "course_title": course.title})
        return rows, len(found)


class FakeLightCounts:
    def __init__(self) -> None:
        self.rows: dict[str, Light] = {}

    def get(self, unit_code: str) -> Light | None:
        return self.rows.get(unit_code)

    def save(self, light: Light, now: datetime) -> None:
        self.rows[light.unit_code] = light

    def lit_units(self) -> list[str]:
        return [code for code, light in self.rows.items() if light.overdue > 0]


class FakeTranscripts:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], tuple[str, Entry, int]] = {}
        self.withdrawn: dict[tuple[str, str], int] = {}

    def put(self, account_id: str, entry: Entry, version: int, now: datetime) -> None:
        self.rows[(entry.source, entry.record_key)] = (account_id, entry, version)

    def withdraw(self, account_id: str, source: str, record_key: str, version: int,
                 now: datetime) -> None:
        self.withdrawn[(source, record_key)] = version
        self.rows.pop((source, record_key), None)

    def entries(self, account_id: str) -> list[Entry]:
        return [entry for owner, entry, _version in self.rows.values() if owner == account_id]


class FakeCoursesUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__("courses", CATALOGUE)

    def open_repositories(self) -> None:
        self.closing = FakeClosingCourses()
        self.attendance = FakeAttendance()
        self.vocabularies = FakeVocabularies()
        self.amendments = FakeAmendments(self.closing)
        self.light_counts = FakeLightCounts()
        self.transcripts = FakeTranscripts()


# -- a small world ---------------------------------------------------------------------------

UNIT = "353301"
OTHER_UNIT = "413601"
AUTHORITY = "TPE"
TEACHERS = [str(uuid.UUID(int=n)) for n in range(1, 8)]
# A Wednesday in Taipei, mid-morning.
NOW = datetime(2026, 6, 10, 2, 0, tzinfo=UTC)


def clock(moment: datetime = NOW) -> FixedClock:
    return FixedClock(moment)


def business(unit: str = UNIT) -> Principal:
    return Principal(subject=f"business-{unit}", roles=frozenset({"business"}), unit=unit)


def reviewer(authority: str = AUTHORITY) -> Principal:
    return Principal(subject=f"reviewer-{authority}", roles=frozenset({"reviewer"}),
                     authority=authority)


def operator() -> Principal:
    return Principal(subject="operator-1", roles=frozenset({"operator"}))


def teacher(n: int = 0) -> Principal:
    return Principal(subject=TEACHERS[n], roles=frozenset({"teacher"}))


def a_course(uow: FakeCoursesUnitOfWork, n: int = 1, *, unit: str = UNIT,
             status: str = "approved", ends_on: date = date(2026, 6, 5),
             hours: str = "6", class_type: str = "non_credit_class",
             enrolled: tuple[str, ...] = tuple(TEACHERS[:3])) -> HeldCourse:
    course = HeldCourse(str(uuid.UUID(int=1000 + n)), f"C{n:06d}", status, f"研習課程 {n}", unit,
                    AUTHORITY, ends_on, ends_on, Decimal(hours), class_type, 3, "禮堂")
    uow.closing.rows[course.course_id] = course
    uow.closing.units.setdefault(unit, {"code": unit, "name": f"學校 {unit}",
                                        "unit_type": "senior_high_school",
                                        "authority_code": AUTHORITY, "county_code": AUTHORITY})
    uow.attendance.enrolled[course.course_id] = set(enrolled)
    return replace(course)
