"""What the re-announce of every course reads (``handlers/history.py``): courses a page at
a time, by id after the last one seen (keyset: every page costs the same however far the
run has come), and what happened to the page's courses, one statement per kind."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.courses.adapters.orm import (
    attendance_reviews,
    attendees,
    course_closing,
    course_reviews,
    course_tags,
    courses,
    enrolment_attempts,
)

# What an attempt got when it got a place (the rest are refusals, never published).
PLACED = ("enrolled", "waitlisted", "pending", "applied")


class CourseHistory:
    def __init__(self, session: Session) -> None:
        self.session = session

    def page(self, after: str | None, limit: int) -> list[Any]:
        c = courses.c
        query = select(c.course_id, c.code, c.status, c.title, c.unit_code, c.starts_on,
                       c.ends_on, c.hours, c.reviewing_authority_code, c.version, c.created_at,
                       c.submitted_at, c.closed_at).order_by(c.course_id).limit(limit)
        if after is not None:
            query = query.where(c.course_id > after)
        return list(self.session.execute(query))

    def reviews(self, ids: Sequence[str]) -> list[Any]:
        r = course_reviews.c
        return list(self.session.execute(
            select(r.review_id, r.course_id, r.decision, r.reasons, r.reviewing_authority_code,
                   r.decided_at, r.decided_on)
            .where(r.course_id.in_(ids)).order_by(r.decided_at, r.review_id)))

    def places(self, ids: Sequence[str]) -> list[Any]:
        a = enrolment_attempts.c
        return list(self.session.execute(
            select(a.course_id, a.account_id, a.arrival, a.outcome, a.enrolment_id, a.at)
            .where(a.course_id.in_(ids), a.outcome.in_(PLACED), a.enrolment_id.is_not(None))
            .order_by(a.at, a.course_id, a.arrival)))

    def lists_sent(self, ids: Sequence[str]) -> list[Any]:
        k, a = course_closing.c, attendees.c
        listed = (select(a.course_id, func.count().label("attendees"))
                  .where(a.course_id.in_(ids)).group_by(a.course_id).subquery())
        return list(self.session.execute(
            select(k.course_id, k.submitted_at, k.late,
                   func.coalesce(listed.c.attendees, 0).label("attendees"))
            .outerjoin(listed, listed.c.course_id == k.course_id)
            .where(k.course_id.in_(ids)).order_by(k.submitted_at, k.course_id)))

    def list_reviews(self, ids: Sequence[str]) -> list[Any]:
        r = attendance_reviews.c
        return list(self.session.execute(
            select(r.review_id, r.course_id, r.decision, r.reasons, r.decided_at)
            .where(r.course_id.in_(ids)).order_by(r.decided_at, r.review_id)))

    def attendees(self, ids: Sequence[str]) -> list[Any]:
        a = attendees.c
        return list(self.session.execute(
            select(a.course_id, a.account_id, a.hours)
            .where(a.course_id.in_(ids)).order_by(a.course_id, a.account_id)))

    def tags(self, ids: Sequence[str]) -> dict[str, list[str]]:
        t = course_tags.c
        found: dict[str, list[str]] = {}
        for row in self.session.execute(select(t.course_id, t.tag_code)
                                        .where(t.course_id.in_(ids))
                                        .order_by(t.course_id, t.tag_code)):
            found.setdefault(row.course_id, []).append(row.tag_code)
        return found
