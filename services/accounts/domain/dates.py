"""The platform's calendar (contracts.calendar), under the name the accounts code uses.
Functions that call through, not names bound once: ``today`` follows ``now`` here, so a
test that moves this module's ``now`` moves ``today`` with it."""
from __future__ import annotations

from datetime import date, datetime

from contracts import calendar

TAIPEI = calendar.TAIPEI


def now() -> datetime:
    return calendar.now()


def taipei_date(moment: datetime) -> date:
    return calendar.taipei_date(moment)


def today() -> date:
    return taipei_date(now())
