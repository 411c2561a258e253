"""Teachers' calendar addresses (their tokens' digests) and the courses their calendars show."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from services.courses.adapters.orm import calendar_tokens, courses, enrolments
from services.courses.domain.calendars import CalendarToken


class CalendarRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def replace_token(self, token: CalendarToken) -> None:
        """The teacher's one address: any earlier one is gone in the same transaction."""
        self.session.execute(delete(calendar_tokens)
                             .where(calendar_tokens.c.account_id == token.account_id))
        self.session.execute(insert(calendar_tokens).values(
            account_id=token.account_id, token_sha256=token.token_sha256,
            created_at=token.created_at))

    def owner_of(self, token_sha256: str) -> str | None:
        return self.session.execute(select(calendar_tokens.c.account_id).where(
            calendar_tokens.c.token_sha256 == token_sha256)).scalar_one_or_none()

    def enrolled_courses(self, account_id: str, enrolment_states: Sequence[str],
                         course_states: Sequence[str]) -> list[tuple[str, str]]:
        """(course id, enrolment status) of the teacher's enrolments in these states, on
        courses in these states, by first day."""
        e, c = enrolments.c, courses.c
        rows = self.session.execute(
            select(e.course_id, e.status).join(courses, c.course_id == e.course_id)
            .where(e.account_id == account_id, e.status.in_(list(enrolment_states)),
                   c.status.in_(list(course_states)))
            .order_by(c.starts_on, c.course_id))
        return [(row.course_id, row.status) for row in rows]

