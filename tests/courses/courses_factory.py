"""Course rows for enrolment tests, written straight into the courses service's tables
(registration and review are another part of the service), and teachers in the replica
enrolment reads e-mail addresses from."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert

from servicekit.db import Database
from services.courses.adapters.orm import course_series, courses, teacher_replica

OPENS = datetime(2026, 4, 1, 0, 0, tzinfo=UTC)  # 08:00 in Taipei
CLOSES = OPENS + timedelta(days=7)
STARTS = date(2026, 5, 1)
UNIT = "190001"


def course_row(**overrides: Any) -> dict[str, Any]:
    course_id = overrides.pop("course_id", str(uuid.uuid4()))
    row = {"course_id": course_id, "code": "C" + course_id.replace("-", "")[:20],
           "status": "approved", "title": "閱讀理解教學工作坊", "unit_code": UNIT,
           "organiser_account_id": str(uuid.uuid4()), "audiences": ["elementary"],
           "class_type": "workshop", "nature": "general", "category": "A", "subcategory": "A1",
           "subject": "A1a", "time_slot": "weekday", "starts_on": STARTS, "ends_on": STARTS,
           "hours": Decimal("3.0"), "place": "臺中市", "county_code": "TXG", "lecturers": [],
           "capacity": 3, "enrolment_opens_at": OPENS, "enrolment_closes_at": CLOSES,
           "organiser_accepts": False, "fairness": "first_come", "series_id": None,
           "reviewing_authority_code": "TXG", "version": 1, "created_at": OPENS,
           "updated_at": OPENS}
    row.update(overrides)
    return row


def add_course(database: Database, **overrides: Any) -> str:
    row = course_row(**overrides)
    with database.session() as session:
        session.execute(insert(courses).values(**row))
    return str(row["course_id"])


def add_series(database: Database, one_session_per_teacher: bool = True) -> str:
    series_id = str(uuid.uuid4())
    with database.session() as session:
        session.execute(insert(course_series).values(
            series_id=series_id, unit_code=UNIT, title="數學素養系列",
            one_session_per_teacher=one_session_per_teacher, created_at=OPENS))
    return series_id


def add_teachers(database: Database, *account_ids: str) -> None:
    """Teachers in the replica (as accounts' events would have put them there)."""
    with database.session() as session:
        session.execute(insert(teacher_replica), [
            {"account_id": account_id, "name": f"老師 {account_id[:8]}",
             "email": f"{account_id[:8]}@school.example.tw", "unit_code": UNIT,
             "status": "enabled", "version": 1, "updated_at": OPENS}
            for account_id in account_ids])
