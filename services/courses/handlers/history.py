"""Announcing every course's history again (issue 13, item 1): for a service that
subscribes later (stats), each course's ``course.registered`` (v2, with its hours), then
its ``course.submitted`` (v2, with whether the title is only a meeting's name),
``course.reviewed``, the places its teachers got (``enrolment.recorded``),
``attendance.submitted`` / ``attendance.reviewed`` and the hours issued, in that order,
each at the moment it happened and with an id derived from the fact
(``servicekit.bus.announce``): a second run publishes the same ids, which the consumers'
inboxes skip.

Streamed: a page of courses per transaction, read by id after the last one (so 2 M courses
cost the same per page from the first to the last), its events written to the outbox and
committed before the next page is read.

What courses keeps decides what is told: a course submitted more than once is told
submitted once, at its last submission (earlier moments are not kept), and so is an
attendee list sent more than once; the meeting names are the operators' list of today;
hours are told as they stand (with the course's current version)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contracts.events.courses import (
    ATTENDANCE_REVIEWED,
    ATTENDANCE_SUBMITTED,
    COURSE_REGISTERED_V2,
    COURSE_REVIEWED,
    COURSE_SUBMITTED_V2,
    ENROLMENT_RECORDED,
    HOURS_ISSUED,
)
from servicekit.bus.announce import Announcement
from servicekit.bus.outbox import Outbox
from servicekit.db import Database
from servicekit.events import Envelope
from services.courses.adapters.history import CourseHistory
from services.courses.adapters.vocabulary_repo import VocabularyRepository
from services.courses.domain.courses import CLOSED, DRAFT
from services.courses.domain.vocabularies import MEETING_KEYWORD
from services.courses.handlers.lifecycle import registered_data, submitted_data

DEFAULT_BATCH = 500  # courses per transaction


def announce_history(database: Database, outbox: Outbox, batch: int = DEFAULT_BATCH,
                     progress: Callable[[dict[str, int]], None] | None = None,
                     deliver: Callable[[list[Envelope]], None] | None = None
                     ) -> dict[str, int]:
    """``deliver``: where each page's events go instead of the outbox (the national-scale
    benchmark hands them straight to stats' handler, bench/stats_national.py)."""
    counts = dict.fromkeys(("courses", "registered", "submitted", "reviewed", "enrolments",
                            "lists_sent", "lists_reviewed", "hours_issued"), 0)
    with database.session() as session:
        keywords = VocabularyRepository(session).vocabulary().active_labels(MEETING_KEYWORD)
    after: str | None = None
    while True:
        with database.session() as session:  # commits the page's events
            history = CourseHistory(session)
            page = history.page(after, batch)
            if not page:
                break
            announcement = Announcement(outbox)
            _announce_page(history, page, keywords, announcement, counts)
            if deliver is None:
                announcement.write(session)
            else:
                deliver(announcement.take())
        after = page[-1].course_id
        counts["courses"] += len(page)
        if progress is not None:
            progress(counts)
    return counts


def _announce_page(history: CourseHistory, page: list[Any], keywords: list[str],
                   out: Announcement, counts: dict[str, int]) -> None:
    ids = [course.course_id for course in page]
    by_id = {course.course_id: course for course in page}
    for course in page:
        out.add(COURSE_REGISTERED_V2, registered_data(course), course.created_at,
                course.course_id)
    counts["registered"] += len(page)
    for course in page:
        if course.status == DRAFT or course.submitted_at is None:
            continue
        out.add(COURSE_SUBMITTED_V2, submitted_data(course, course.submitted_at, False, keywords),
                course.submitted_at, course.course_id)
        counts["submitted"] += 1
    for review in history.reviews(ids):
        course = by_id[review.course_id]
        out.add(COURSE_REVIEWED, {
            "course_id": course.course_id, "code": course.code, "unit_code": course.unit_code,
            "decision": review.decision, "reasons": list(review.reasons),
            "reviewing_authority_code": review.reviewing_authority_code,
            "reviewed_on": review.decided_on.isoformat(),
            "reviewed_at": review.decided_at.isoformat(), "version": course.version},
            review.decided_at, review.review_id)
        counts["reviewed"] += 1
    for place in history.places(ids):
        out.add(ENROLMENT_RECORDED, {
            "enrolment_id": place.enrolment_id, "course_id": place.course_id,
            "account_id": place.account_id, "status": place.outcome, "arrival": place.arrival,
            "at": place.at.isoformat()}, place.at, place.course_id, str(place.arrival))
        counts["enrolments"] += 1
    for sent in history.lists_sent(ids):
        course = by_id[sent.course_id]
        out.add(ATTENDANCE_SUBMITTED, {
            "course_id": course.course_id, "course_code": course.code,
            "unit_code": course.unit_code, "attendees": sent.attendees, "late": sent.late,
            "version": course.version}, sent.submitted_at, course.course_id)
        counts["lists_sent"] += 1
    for review in history.list_reviews(ids):
        course = by_id[review.course_id]
        out.add(ATTENDANCE_REVIEWED, {
            "course_id": course.course_id, "course_code": course.code,
            "unit_code": course.unit_code, "decision": review.decision,
            "reasons": list(review.reasons),
            "reviewing_authority_code": course.reviewing_authority_code,
            "version": course.version}, review.decided_at, review.review_id)
        counts["lists_reviewed"] += 1
    closed = [course_id for course_id in ids
              if by_id[course_id].status == CLOSED and by_id[course_id].closed_at is not None]
    if closed:
        tags = history.tags(closed)
        for line in history.attendees(closed):
            course = by_id[line.course_id]
            out.add(HOURS_ISSUED, {
                "course_id": course.course_id, "course_code": course.code,
                "unit_code": course.unit_code, "account_id": line.account_id,
                "hours": float(line.hours), "title": course.title,
                "starts_on": course.starts_on.isoformat(), "ends_on": course.ends_on.isoformat(),
                "tags": tags.get(course.course_id, []), "version": course.version},
                course.closed_at, course.course_id, line.account_id, str(course.version))
            counts["hours_issued"] += 1


