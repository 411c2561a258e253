"""An in-memory enrolment repository and unit of work for handler tests: the same
operations as the SQL repository, on dictionaries, with no database."""
from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import datetime
from typing import Any

from contracts.events import CATALOGUE
from servicekit.testing.fakes import FakeUnitOfWork
from services.courses.adapters.enrolment_repo import PlaceTaken
from services.courses.domain.enrolment import (
    FULL,
    SEAT,
    SEATED,
    WAIT,
    WAITLISTED,
    Enrolment,
    EnrolmentCourse,
    seed_digest,
)


class FakeEnrolmentRepository:
    def __init__(self) -> None:
        self.courses: dict[str, EnrolmentCourse] = {}
        self.enrolments: dict[str, Enrolment] = {}
        self.seats: dict[str, dict[str, int]] = {}
        self.holds: dict[tuple[str, str], str] = {}
        self.attempt_rows: list[dict[str, Any]] = []
        self.lotteries: dict[str, dict[str, Any]] = {}
        self.mails: list[tuple[str, str]] = []  # (account_id, kind)

    def add_course(self, course: EnrolmentCourse) -> None:
        self.courses[course.course_id] = course

    def course(self, course_id: str) -> EnrolmentCourse | None:
        return self.courses.get(course_id)

    def lottery_courses(self, closing_before: datetime | None = None,
                        opened_before: datetime | None = None) -> list[EnrolmentCourse]:
        found = [c for c in self.courses.values() if c.lottery and c.status == "approved"]
        if closing_before is not None:
            found = [c for c in found if c.closes_at <= closing_before
                     and self.lotteries.get(c.course_id, {}).get("drawn_at") is None]
        if opened_before is not None:
            found = [c for c in found if c.opens_at <= opened_before
                     and c.course_id not in self.lotteries]
        return found

    def _counter(self, course_id: str) -> dict[str, int]:
        return self.seats.setdefault(course_id, {"enrolled": 0, "waitlisted": 0, "arrivals": 0})

    def next_arrival(self, course_id: str) -> int:
        counter = self._counter(course_id)
        counter["arrivals"] += 1
        return counter["arrivals"]

    def take_place(self, course_id: str, waitlist_limit: int) -> tuple[int, str, int]:
        counter, capacity = self._counter(course_id), self.courses[course_id].capacity
        counter["arrivals"] += 1
        if counter["enrolled"] < capacity:
            counter["enrolled"] += 1
            outcome = SEAT
        elif counter["waitlisted"] < waitlist_limit:
            counter["waitlisted"] += 1
            outcome = WAIT
        else:
            outcome = FULL
        return counter["arrivals"], outcome, counter["waitlisted"]

    def move_counts(self, course_id: str, seated: int = 0, waitlisted: int = 0) -> None:
        counter = self._counter(course_id)
        counter["enrolled"] += seated
        counter["waitlisted"] += waitlisted
        assert counter["enrolled"] >= 0 and counter["waitlisted"] >= 0

    def counts(self, course_id: str) -> tuple[int, int]:
        counter = self._counter(course_id)
        return counter["enrolled"], counter["waitlisted"]

    def find(self, course_id: str, account_id: str) -> Enrolment | None:
        return next((e for e in self.enrolments.values()
                     if e.course_id == course_id and e.account_id == account_id), None)

    def get(self, enrolment_id: str) -> Enrolment | None:
        return self.enrolments.get(enrolment_id)

    def series_hold(self, series_id: str, account_id: str) -> str | None:
        return self.holds.get((series_id, account_id))

    def place(self, enrolment: Enrolment, reuse: bool, series_id: str | None) -> None:
        if not reuse and self.find(enrolment.course_id, enrolment.account_id):
            raise PlaceTaken(enrolment.course_id)
        if series_id is not None:
            if (series_id, enrolment.account_id) in self.holds:
                raise PlaceTaken(enrolment.course_id)
            self.holds[(series_id, enrolment.account_id)] = enrolment.course_id
        self.enrolments[enrolment.enrolment_id] = enrolment

    def change_status(self, enrolment_id: str, from_status: str, to_status: str,
                      at: datetime) -> bool:
        enrolment = self.enrolments[enrolment_id]
        if enrolment.status != from_status:
            return False
        self.enrolments[enrolment_id] = replace(enrolment, status=to_status, updated_at=at)
        return True

    def release_series(self, series_id: str, account_id: str, course_id: str) -> None:
        if self.holds.get((series_id, account_id)) == course_id:
            del self.holds[(series_id, account_id)]

    def waitlisted_in_order(self, course_id: str, limit: int = 5) -> list[Enrolment]:
        return self.of_course(course_id, WAITLISTED)[:limit]

    def position(self, enrolment: Enrolment) -> int:
        return 1 + sum(1 for e in self.of_course(enrolment.course_id, WAITLISTED)
                       if e.arrival < enrolment.arrival)

    def of_course(self, course_id: str, status: str | None = None) -> list[Enrolment]:
        return sorted((e for e in self.enrolments.values() if e.course_id == course_id
                       and (status is None or e.status == status)), key=lambda e: e.arrival)

    def of_teacher(self, account_id: str
                   ) -> list[tuple[Enrolment, EnrolmentCourse, datetime | None]]:
        return [(e, self.courses[e.course_id],
                 self.lotteries.get(e.course_id, {}).get("drawn_at"))
                for e in self.enrolments.values() if e.account_id == account_id]

    def seated_count(self, course_id: str) -> int:
        return sum(1 for e in self.of_course(course_id) if e.status in SEATED)

    def record_attempt(self, course_id: str, account_id: str, arrival: int, outcome: str,
                       at: datetime, enrolment_id: str | None = None) -> None:
        assert all((r["course_id"], r["arrival"]) != (course_id, arrival)
                   for r in self.attempt_rows), "an arrival number is used once"
        self.attempt_rows.append({"course_id": course_id, "account_id": account_id,
                                  "arrival": arrival, "outcome": outcome, "at": at,
                                  "enrolment_id": enrolment_id})

    def attempts(self, course_id: str, account_id: str | None = None,
                 limit: int = 1000) -> list[dict[str, Any]]:
        return [r for r in self.attempt_rows if r["course_id"] == course_id
                and (account_id is None or r["account_id"] == account_id)][:limit]

    def lottery(self, course_id: str) -> dict[str, Any] | None:
        return self.lotteries.get(course_id)

    def publish_lottery(self, course_id: str, at: datetime) -> str | None:
        if course_id in self.lotteries:
            return None
        seed = secrets.token_hex(32)
        self.lotteries[course_id] = {"seed": seed, "seed_sha256": seed_digest(seed),
                                     "published_at": at, "drawn_at": None,
                                     "applicants": None, "winners": None}
        return seed_digest(seed)

    def start_draw(self, course_id: str, at: datetime) -> bool:
        if self.lotteries[course_id]["drawn_at"] is not None:
            return False
        self.lotteries[course_id]["drawn_at"] = at
        return True

    def finish_draw(self, course_id: str, applicants: int, winners: int) -> None:
        self.lotteries[course_id].update(applicants=applicants, winners=winners)

    def queue_mail(self, enrolment: Enrolment, kind: str, at: datetime) -> None:
        self.mails.append((enrolment.account_id, kind))


class FakeEnrolmentUnitOfWork(FakeUnitOfWork):
    enrolments: FakeEnrolmentRepository

    def __init__(self) -> None:
        super().__init__("courses", CATALOGUE)

    def open_repositories(self) -> None:
        self.enrolments = FakeEnrolmentRepository()
