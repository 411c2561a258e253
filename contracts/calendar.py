"""Dates as the platform's people mean them: a "day" is a day in Taiwan. Every date an
event carries (an effective date, a course day) is such a day, for every service."""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

TAIPEI = ZoneInfo("Asia/Taipei")


def now() -> datetime:
    return datetime.now(UTC)


def taipei_date(moment: datetime) -> date:
    return moment.astimezone(TAIPEI).date()


def today() -> date:
    return taipei_date(now())
