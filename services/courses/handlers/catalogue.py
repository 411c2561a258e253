"""What the catalogue tells the statistics (R-CRS-8, R-CRS-10, R-STA-5): each course as it
is published, with its policy tags and meeting names, and each change of a policy tag.
Recorded in the transaction of the change that causes it."""
from __future__ import annotations

from datetime import date, datetime

from contracts.events.courses import COURSE_PUBLISHED, TAG_CHANGED
from services.courses.adapters.uow import CoursesUnitOfWork
from services.courses.domain.courses import Course, meeting_keywords
from services.courses.domain.meetings import meeting_only
from services.courses.domain.vocabularies import MEETING_KEYWORD, Term


def record_published(work: CoursesUnitOfWork, course: Course, day: date) -> None:
    keywords = work.vocabularies.vocabulary().active_labels(MEETING_KEYWORD)
    work.record(COURSE_PUBLISHED, {
        "course_id": course.course_id, "code": course.code, "unit_code": course.unit_code,
        "county_code": course.county_code, "category": course.category,
        "reviewing_authority_code": course.reviewing_authority_code,
        "tags": sorted(course.tags), "starts_on": course.starts_on.isoformat(),
        "ends_on": course.ends_on.isoformat(), "published_on": day.isoformat(),
        "meeting_keywords": meeting_keywords(course.title, keywords),
        "meeting_only": meeting_only(course.title, keywords), "version": course.version})


def record_tag_changed(work: CoursesUnitOfWork, term: Term, at: datetime) -> None:
    work.record(TAG_CHANGED, {
        "code": term.code, "label": term.label, "short_label": term.short_label,
        "basis": term.basis, "added_on": term.added_on.isoformat() if term.added_on else None,
        "active": term.active, "changed_at": at.isoformat()})
