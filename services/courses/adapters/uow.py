"""The courses service's unit of work: one transaction with the repositories its handlers
use, and the outbox (servicekit.uow)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from servicekit.uow import SqlUnitOfWork
from services.courses.adapters.closing_repo import (
    AmendmentRepository,
    AttendanceRepository,
    CourseRepository,
    EnrolmentRepository,
    LightRepository,
    ReasonRepository,
    TranscriptRepository,
)


class CoursesUnitOfWork(SqlUnitOfWork):
    courses: CourseRepository
    enrolments: EnrolmentRepository
    attendance: AttendanceRepository
    reasons: ReasonRepository
    amendments: AmendmentRepository
    lights: LightRepository
    transcripts: TranscriptRepository

    def open_repositories(self, session: Session) -> None:
        self.courses = CourseRepository(session)
        self.enrolments = EnrolmentRepository(session)
        self.attendance = AttendanceRepository(session)
        self.reasons = ReasonRepository(session)
        self.amendments = AmendmentRepository(session)
        self.lights = LightRepository(session)
        self.transcripts = TranscriptRepository(session)
