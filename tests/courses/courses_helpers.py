"""Helpers the courses tests share: a valid registration body, units in the replica."""
from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from typing import Any

from servicekit.events import Envelope

# The tests' "now": a Wednesday morning in Taipei.
NOW = datetime(2026, 3, 4, 1, 0, tzinfo=UTC)
FIRST_DAY = date(2026, 3, 20)

# code, type, supervising authority, county
UNITS = (("353301", "senior_high_school", "TPE", "TPE"),
         ("413601", "elementary_school", "TPE", "TPE"),
         ("193601", "senior_high_school", "TXG", "TXG"))


def course_body(**changes: Any) -> dict[str, Any]:
    body = {
        "title": "新課綱素養導向教學設計工作坊",
        "audiences": ["senior_high", "junior_high"],
        "class_type": "non_credit_class",
        "nature": "senior_high",
        "category": "teaching",
        "subcategory": "language",
        "subject": "chinese",
        "time_slot": "weekday_daytime",
        "meetings": [{"date": FIRST_DAY.isoformat(), "starts_at": "09:00", "ends_at": "12:00"},
                     {"date": (FIRST_DAY + timedelta(days=7)).isoformat(),
                      "starts_at": "09:00", "ends_at": "12:30"}],
        "hours": 6.5,
        "place": "臺北市立建國高級中學 視聽教室",
        "county_code": "TPE",
        "lecturers": ["王大明", "林小華"],
        "capacity": 40,
        "enrolment_opens_at": "2026-03-06T12:00:00+08:00",
        "enrolment_closes_at": "2026-03-18T17:00:00+08:00",
        "organiser_accepts": False,
        "fairness": "first_come",
        "tags": ["gender_equity"],
    }
    body.update(copy.deepcopy(changes))
    return body


def unit_events(units=UNITS) -> list[tuple[dict[str, Any], Envelope]]:
    events = []
    for code, unit_type, authority, county in units:
        data = {"unit_code": code, "name": f"學校 {code}", "unit_type": unit_type,
                "authority_code": authority, "county_code": county, "version": 1}
        events.append((data, Envelope(type="accounts.unit.registered.v1", source="accounts",
                                      correlation_id="test", data=data)))
    return events
