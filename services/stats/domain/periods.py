"""The range a report reads: periods named as people write them (2017, 2017-04,
2017-04-12), bounded (no future period, at most ``MAX_PERIODS`` of them)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from servicekit.errors import Invalid
from services.stats.domain import figures as f
from services.stats.domain.reports import FIRST_YEAR, MAX_PERIODS

_FORMS = {f.YEAR: (re.compile(r"^\d{4}$"), "YYYY"),
          f.MONTH: (re.compile(r"^\d{4}-\d{2}$"), "YYYY-MM"),
          f.DAY: (re.compile(r"^\d{4}-\d{2}-\d{2}$"), "YYYY-MM-DD")}


@dataclass(frozen=True)
class Range:
    period: str
    first: date  # the first day of the first period
    last: date  # the first day of the last period

    def starts(self) -> list[date]:
        days, day = [], self.first
        while day <= self.last:
            days.append(day)
            day = following(self.period, day)
        return days

    def label(self, day: date) -> str:
        return label(self.period, day)


def label(period: str, day: date) -> str:
    if period == f.YEAR:
        return f"{day.year}"
    if period == f.MONTH:
        return f"{day.year}-{day.month:02d}"
    return day.isoformat()


def following(period: str, day: date) -> date:
    if period == f.DAY:
        return day + timedelta(days=1)
    if period == f.MONTH:
        return date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return date(day.year + 1, 1, 1)


def _bad(field: str, message: str, slug: str = "invalid-period") -> Invalid:
    return Invalid(slug, "The period is not valid", f"{field}: {message}", field=field)


def parse(period: str, text: str, field: str) -> date:
    pattern, form = _FORMS[period]
    if not pattern.match(text):
        raise _bad(field, f"a {period} is written {form}")
    try:
        if period == f.YEAR:
            day = date(int(text), 1, 1)
        elif period == f.MONTH:
            day = date(int(text[:4]), int(text[5:7]), 1)
        else:
            day = date.fromisoformat(text)
    except ValueError:
        raise _bad(field, f"no such {period}: {text}") from None
    if day.year < FIRST_YEAR:
        raise _bad(field, f"the figures start in {FIRST_YEAR}")
    return day


def default_range(period: str, today: date) -> tuple[date, date]:
    """The last 12 months, the last 31 days, or every year since the first."""
    last = f.period_start(period, today)
    if period == f.DAY:
        return last - timedelta(days=30), last
    if period == f.MONTH:
        return date(last.year - 1, last.month, 1), last
    return date(FIRST_YEAR, 1, 1), last


def resolve(period: str, first: str | None, last: str | None, today: date) -> Range:
    if period not in _FORMS:
        raise Invalid("unknown-period", "No such period",
                      f"period: one of {', '.join(sorted(_FORMS))}", field="period")
    default_first, default_last = default_range(period, today)
    start = parse(period, first, "from") if first else default_first
    end = parse(period, last, "to") if last else default_last
    current = f.period_start(period, today)
    for field, day in (("from", start), ("to", end)):
        if day > current:
            raise _bad(field, f"{label(period, day)} is in the future (today is "
                       f"{today.isoformat()})", slug="future-period")
    if start > end:
        raise _bad("from", "comes after `to`")
    count = _count(period, start, end)
    if count > MAX_PERIODS[period]:
        raise Invalid("range-too-long", "The range is too long",
                      f"at most {MAX_PERIODS[period]} {period}s in one report; asked {count}",
                      field="from", maximum=MAX_PERIODS[period])
    return Range(period, start, end)


def _count(period: str, start: date, end: date) -> int:
    if period == f.DAY:
        return (end - start).days + 1
    if period == f.YEAR:
        return end.year - start.year + 1
    return (end.year - start.year) * 12 + end.month - start.month + 1
