"""Reading courses whose titles name a meeting (R-CRS-10), for the report per period and
authority."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from services.courses.adapters.orm import courses

c = courses.c


class MeetingTitles:
    def __init__(self, session: Session) -> None:
        self.session = session

    def courses(self, keywords: Sequence[str], starts_from: date, starts_to: date,
                authority: str | None, statuses: Sequence[str]) -> list[dict[str, Any]]:
        """Courses starting in the period, sent for review (``statuses``), whose title holds
        one of the keywords; of one reviewing authority, or all when None."""
        if not keywords:
            return []
        query = (select(c.course_id, c.code, c.title, c.unit_code, c.status, c.starts_on,
                        c.reviewing_authority_code)
                 .where(c.starts_on >= starts_from, c.starts_on <= starts_to,
                        c.status.in_(statuses),
                        or_(*(c.title.contains(word, autoescape=True) for word in keywords)))
                 .order_by(c.reviewing_authority_code, c.starts_on, c.code))
        if authority is not None:
            query = query.where(c.reviewing_authority_code == authority)
        return [dict(row._mapping) for row in self.session.execute(query)]
