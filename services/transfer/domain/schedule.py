"""The rules of time for sources in production (R-TRF-5, R-TRF-6, R-TRF-11): reporting
deadlines, the audit calendar, and which sources are silent. Plain dates: a day is a day
in Taiwan (``contracts.calendar``), a month is the date of its first day.

Deadlines (R-TRF-5/6):

* a **monthly-file** source reports month M's closed courses by the 5th of M+1
  (``DEADLINE_DAY``): a file processed (a delivery) from the 1st to the 5th of M+1 is
  ``on_time``, one later ``late``; none yet is ``pending`` until the 5th and ``missing``
  after it. A source that opened production after M's deadline owes nothing for M;
* a **daily-push** source is ``late`` for M when, within M (from the day it opened
  production, up to today while M runs), more than ``silence_days`` days in a row passed
  without a batch, ``missing`` when nothing arrived in M at all, else ``on_time``.

Audits (R-TRF-11): an audit opened in month M covers months before M —

* ``monthly``: the previous month, while that month is within the source's first
  production year (the month it opened and the eleven after it);
* ``quarterly``: in January, April, July and October, the previous three months, those
  after the first year only (the first year's months have their monthly audits);
* ``annual``: in January, the previous calendar year, from the month production opened.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

from services.transfer.domain.sources import DAILY_PUSH, MONTHLY_FILE

DEADLINE_DAY = 5
ON_TIME, LATE, MISSING, PENDING = "on_time", "late", "missing", "pending"
MONTHLY, QUARTERLY, ANNUAL = "monthly", "quarterly", "annual"
QUARTER_MONTHS = (1, 4, 7, 10)
FIRST_YEAR_MONTHS = 12


def month_of(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def month_end(month: date) -> date:
    return add_months(month, 1) - timedelta(days=1)


def parse_month(text: str) -> date:
    """``YYYY-MM`` as the first day of that month; ValueError otherwise."""
    if len(text) != 7 or text[4] != "-":
        raise ValueError(text)
    return date(int(text[:4]), int(text[5:]), 1)


def deadline(month: date) -> date:
    """The last day a monthly-file source reports ``month``."""
    return add_months(month, 1).replace(day=DEADLINE_DAY)


@dataclass(frozen=True)
class DeadlineStatus:
    status: str
    due: date | None  # a monthly file's last day
    reported_on: date | None  # a monthly file's first delivery after the month
    longest_silence: int | None  # a daily push's longest run of days without a batch


def monthly_file_status(month: date, deliveries: list[date], today: date) -> DeadlineStatus:
    """``deliveries``: the days files of the source were processed (any order)."""
    due = deadline(month)
    after = sorted(day for day in deliveries if day >= add_months(month, 1))
    if after:
        return DeadlineStatus(ON_TIME if after[0] <= due else LATE, due, after[0], None)
    return DeadlineStatus(PENDING if today <= due else MISSING, due, None, None)


def daily_push_status(month: date, opened: date, deliveries: list[date], today: date,
                      silence_days: int) -> DeadlineStatus:
    """``deliveries``: the days batches of the source arrived. The window is the month
    from the day production opened, to today while the month runs."""
    start, end = max(month, opened), min(month_end(month), today)
    days = sorted({day for day in deliveries if start <= day <= end})
    if not days:
        silence = (end - start).days + 1
        return DeadlineStatus(MISSING if end >= start else PENDING, None, None,
                              max(silence, 0))
    edges = [start - timedelta(days=1), *days, end + timedelta(days=1)]
    longest = max((later - earlier).days - 1 for earlier, later in pairwise(edges))
    return DeadlineStatus(LATE if longest > silence_days else ON_TIME, None, days[0],
                          longest)


def owes(mode: str, opened: date, month: date) -> bool:
    """Whether a source in production since ``opened`` answers for ``month``."""
    if mode == MONTHLY_FILE:
        return opened <= deadline(month)
    if mode == DAILY_PUSH:
        return opened <= month_end(month)
    return False


@dataclass(frozen=True)
class AuditPeriod:
    kind: str
    first_month: date
    last_month: date

    @property
    def months(self) -> list[date]:
        found, month = [], self.first_month
        while month <= self.last_month:
            found.append(month)
            month = add_months(month, 1)
        return found


def audits_due(opened: date, month: date) -> list[AuditPeriod]:
    """The audits a source in production since ``opened`` has opened in ``month``."""
    month = month_of(month)
    first = month_of(opened)
    first_year_end = add_months(first, FIRST_YEAR_MONTHS - 1)
    previous = add_months(month, -1)
    due: list[AuditPeriod] = []
    if first <= previous <= first_year_end:
        due.append(AuditPeriod(MONTHLY, previous, previous))
    if month.month in QUARTER_MONTHS:
        start = max(add_months(month, -3), add_months(first_year_end, 1))
        if start <= previous:
            due.append(AuditPeriod(QUARTERLY, start, previous))
    if month.month == 1:
        year_start = date(month.year - 1, 1, 1)
        start = max(year_start, first)
        if start <= previous:
            due.append(AuditPeriod(ANNUAL, start, previous))
    return due


def silent(last_activity: date | None, opened: date | None, since: date) -> bool:
    """A production source is silent when nothing came from it on or after ``since`` and
    it was already in production before then (a newer source has not had the chance)."""
    if opened is None or opened >= since:
        return False
    return last_activity is None or last_activity < since
