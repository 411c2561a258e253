"""The courses unit of work: one transaction with the repositories the use cases read and
write, and the outbox its events commit with."""
from __future__ import annotations

from sqlalchemy.orm import Session

from servicekit.uow import SqlUnitOfWork
from services.courses.adapters.courses_repo import CourseRepository
from services.courses.adapters.lights import SubmissionLights
from services.courses.adapters.replica_repo import ReplicaRepository
from services.courses.adapters.vocabulary_repo import VocabularyRepository


class CoursesUnitOfWork(SqlUnitOfWork):
    courses: CourseRepository
    vocabularies: VocabularyRepository
    units: ReplicaRepository
    lights: SubmissionLights

    def open_repositories(self, session: Session) -> None:
        self.courses = CourseRepository(session)
        self.vocabularies = VocabularyRepository(session)
        self.units = ReplicaRepository(session)
        self.lights = SubmissionLights(session)
