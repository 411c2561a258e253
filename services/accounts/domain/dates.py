"""The platform's calendar (contracts.calendar), under the name the accounts code uses.
The moment is always the caller's clock (``runtime.clock``, a test's ``FixedClock``)."""
from __future__ import annotations

from datetime import date

from contracts import calendar
from servicekit.clock import Clock

TAIPEI = calendar.TAIPEI
taipei_date = calendar.taipei_date


def today(clock: Clock) -> date:
    """The day in Taipei at the clock's moment."""
    return calendar.taipei_date(clock.now())
