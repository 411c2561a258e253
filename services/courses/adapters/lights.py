"""The check point submission asks before it routes a course: does the unit's traffic
light (R-CRS-7) block it today, or (before the enforcement date) warn? Counted at the
moment asked, from the same courses the light shows (services/courses/domain/lights.py),
so a unit that has just issued its hours is let through at once."""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from services.courses.adapters.closing_repo import ClosingCourses
from services.courses.config import ClosingRules
from services.courses.domain.lights import SubmissionGate, gate, overdue_courses


class SubmissionLights:
    def __init__(self, session: Session, rules: ClosingRules) -> None:
        self.session = session
        self.rules = rules

    def overdue(self, unit_code: str, today: date) -> int:
        return len(overdue_courses(ClosingCourses(self.session).held_not_closed(
            today.year, unit_code), today, self.rules.due_days))

    def gate(self, unit_code: str, today: date) -> SubmissionGate:
        """Raises ``unit-light-red`` from the enforcement date; before it, a warning."""
        return gate(self.overdue(unit_code, today), today, self.rules.light_enforced_from,
                    unit_code)
