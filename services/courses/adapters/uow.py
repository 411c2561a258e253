"""The courses unit of work: one transaction with the repositories the use cases read and
write, and the outbox its events commit with."""
from __future__ import annotations

from sqlalchemy.orm import Session

from servicekit.bus.outbox import Outbox
from servicekit.db import Database
from servicekit.uow import SqlUnitOfWork
from services.courses.adapters.calendar_repo import CalendarRepository
from services.courses.adapters.closing_repo import (
    AmendmentRepository,
    AttendanceRepository,
    ClosingCourses,
    LightCounts,
    TranscriptRepository,
)
from services.courses.adapters.courses_repo import CourseRepository
from services.courses.adapters.lights import SubmissionLights
from services.courses.adapters.meeting_titles import MeetingTitles
from services.courses.adapters.news_repo import NewsRepository
from services.courses.adapters.plans_repo import PlanRepository
from services.courses.adapters.replica_repo import ReplicaRepository
from services.courses.adapters.search_index import SearchIndex
from services.courses.adapters.teachers import TeacherDirectory
from services.courses.adapters.vocabulary_repo import VocabularyRepository
from services.courses.config import ClosingRules


class CoursesUnitOfWork(SqlUnitOfWork):
    """``closing``: the rules the traffic light is counted by (deadline, enforcement date)."""

    courses: CourseRepository
    vocabularies: VocabularyRepository
    units: ReplicaRepository
    lights: SubmissionLights
    # Closing (R-CRS-5…7, R-CRS-11).
    closing: ClosingCourses
    attendance: AttendanceRepository
    amendments: AmendmentRepository
    light_counts: LightCounts
    transcripts: TranscriptRepository
    search: SearchIndex  # the catalogue's cross search (R-CRS-9)
    meeting_titles: MeetingTitles  # the meeting-as-training report (R-CRS-10)
    plans: PlanRepository  # school-based and teachers' own plans (R-CRS-13)
    news: NewsRepository  # news and marquee lines (R-CRS-12)
    calendars: CalendarRepository  # teachers' calendar addresses (RFC 5545)
    teachers: TeacherDirectory  # the teachers' replica (a disabled one's calendar is gone)

    def __init__(self, database: Database, outbox: Outbox,
                 closing: ClosingRules | None = None) -> None:
        super().__init__(database, outbox)
        self.closing_rules = closing or ClosingRules()

    def open_repositories(self, session: Session) -> None:
        self.courses = CourseRepository(session)
        self.vocabularies = VocabularyRepository(session)
        self.units = ReplicaRepository(session)
        self.lights = SubmissionLights(session, self.closing_rules)
        self.closing = ClosingCourses(session)
        self.attendance = AttendanceRepository(session)
        self.amendments = AmendmentRepository(session)
        self.light_counts = LightCounts(session)
        self.transcripts = TranscriptRepository(session)
        self.search = SearchIndex(session)
        self.meeting_titles = MeetingTitles(session)
        self.plans = PlanRepository(session)
        self.news = NewsRepository(session)
        self.calendars = CalendarRepository(session)
        self.teachers = TeacherDirectory(session)
