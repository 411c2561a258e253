"""Figures: what stats counts, by period and dimension, as plain values.

A figure is a number kept for (measure, period, first day of the period, dimension,
member): enrolments in 2017-04 for the unit 193301. Every fact adds to a few figures and
never reads the others, so a report reads as many rows as it shows, however long the
history behind them (R-STA-1, R-STA-2). Figures are sums: a restated fact (hours issued
again, a transfer record changed or withdrawn) adds the difference."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

# Measures (the figure's name). Hours are decimals with one place; the rest counts.
COURSES_REGISTERED = "courses_registered"
COURSE_HOURS = "course_hours"  # the registered courses' total hours (R-STA-2)
REVIEWS = "reviews"
ENROLMENTS = "enrolments"
COURSES_HELD_NETWORK = "courses_held_network"  # closed: the attendee list approved
COURSES_HELD_TRANSFER = "courses_held_transfer"  # distinct courses among transfer records
ATTENDANCE_LISTS_SENT = "attendance_lists_sent"
TEACHER_HOURS = "teacher_hours"  # hours issued to teachers by network courses
COMPLETIONS = "completions"  # teachers who were issued hours (one per course and teacher)
TEACHER_ACCOUNTS_OPENED = "teacher_accounts_opened"
BUSINESS_ACCOUNTS_OPENED = "business_accounts_opened"
TRANSFER_RECORDS = "transfer_records"
TRANSFER_HOURS = "transfer_hours"
MEETING_KEYWORD_COURSES = "meeting_keyword_courses"  # R-CRS-10
MEETING_ONLY_COURSES = "meeting_only_courses"  # of those, titles only a meeting's name
VISITORS = "visitors"  # distinct accounts signed in on a Taipei day (R-STA-8)

MEASURES = (COURSES_REGISTERED, COURSE_HOURS, REVIEWS, ENROLMENTS, COURSES_HELD_NETWORK,
            COURSES_HELD_TRANSFER, ATTENDANCE_LISTS_SENT, TEACHER_HOURS, COMPLETIONS,
            TEACHER_ACCOUNTS_OPENED, BUSINESS_ACCOUNTS_OPENED, TRANSFER_RECORDS, TRANSFER_HOURS,
            MEETING_KEYWORD_COURSES, MEETING_ONLY_COURSES, VISITORS)

# Periods: a fact counts in its day and its month under the members a series is read for
# (below); under the rest, which only tables read, in its month. A year is read as the sum
# of its months (at most 50 years × 12 rows a measure): kept apart it would cost a row a
# fact more than it saves a read.
DAY, MONTH, YEAR = "day", "month", "year"
PERIODS = (DAY, MONTH, YEAR)  # what a series may be read by
KEPT_PERIODS = (DAY, MONTH)  # what the figures are kept by

# Dimensions. ``national`` has one member, the empty string. ``authority`` is the authority
# in force over the unit on the fact's day (R-ORG-3); ``authority_unit`` ("AUTH|unit") keeps
# each authority's share of a unit, so a reviewer's per-unit table shows only the days the
# unit was theirs, while ``unit`` keeps the unit's whole history (R-STA-4). Only a unit
# with a jurisdiction history has ``authority_unit`` rows: for any other, its share under
# its authority is its own ``unit`` rows, and nothing under any other authority (they were
# a quarter of the figure rows written, each equal to the unit's: ``share_member``).
NATIONAL = "national"
COUNTY, AUTHORITY, UNIT, AUTHORITY_UNIT, UNIT_TYPE = (
    "county", "authority", "unit", "authority_unit", "unit_type")
SOURCE, TAG, KEYWORD = "source", "tag", "keyword"
DIMENSIONS = (NATIONAL, COUNTY, AUTHORITY, UNIT, AUTHORITY_UNIT, UNIT_TYPE, SOURCE, TAG, KEYWORD)
# A series (one member over days, months or years) is read for these; a table (members
# summed over months) for any. So the others are kept by month alone: none of their day
# rows would ever be read (the consumer's apply rate, docs/performance.md "stats").
SERIES_DIMENSIONS = frozenset({NATIONAL, AUTHORITY, UNIT, AUTHORITY_UNIT})


def periods_of(dimension: str) -> tuple[str, ...]:
    return KEPT_PERIODS if dimension in SERIES_DIMENSIONS else (MONTH,)


@dataclass(frozen=True)
class UnitPlace:
    """Where a unit sits on a day: what its figures are kept under. ``shares_kept``: the
    unit has a jurisdiction history, so its share under each authority is kept apart."""
    unit_code: str
    unit_type: str
    county_code: str | None
    authority_code: str
    shares_kept: bool = False


@dataclass(frozen=True)
class JurisdictionChange:
    effective_from: date
    from_authority: str
    to_authority: str


def authority_on(day: date, current: str, changes: Sequence[JurisdictionChange]) -> str:
    """The authority in force on ``day``: the last change in force by then, else the one
    the first change moved the unit from, else the unit's authority as last announced."""
    ordered = sorted(changes, key=lambda change: change.effective_from)
    in_force = [change for change in ordered if change.effective_from <= day]
    if in_force:
        return in_force[-1].to_authority
    if ordered:
        return ordered[0].from_authority
    return current


def place_on(place: UnitPlace, changes: Sequence[JurisdictionChange], day: date) -> UnitPlace:
    """The unit as its facts of ``day`` count: under the authority in force that day."""
    return UnitPlace(place.unit_code, place.unit_type, place.county_code,
                     authority_on(day, place.authority_code, changes), bool(changes))


def authority_unit(authority: str, unit_code: str) -> str:
    return f"{authority}|{unit_code}"


def share_member(authority: str, unit_code: str, current_authority: str | None,
                 shares_kept: bool) -> tuple[str, str] | None:
    """Where a unit's share under ``authority`` is read: its ``authority_unit`` rows if it
    has a jurisdiction history, else its own rows while ``authority`` holds it, else
    nowhere (it never was theirs)."""
    if shares_kept:
        return AUTHORITY_UNIT, authority_unit(authority, unit_code)
    if current_authority == authority:
        return UNIT, unit_code
    return None


def period_start(period: str, day: date) -> date:
    if period == DAY:
        return day
    if period == MONTH:
        return day.replace(day=1)
    return day.replace(month=1, day=1)


FigureKey = tuple[str, str, date, str, str]  # measure, period, starts_on, dimension, member


class Deltas:
    """What a batch of facts adds to the figures, summed per figure before it is written."""

    def __init__(self) -> None:
        self.values: dict[FigureKey, Decimal] = {}

    def add(self, measure: str, day: date, amount: Decimal | int,
            members: Iterable[tuple[str, str]]) -> None:
        if not amount:
            return
        amount = Decimal(amount)
        every = ((DAY, day), (MONTH, day.replace(day=1)))
        month = (every[1],)
        values = self.values
        for dimension, member in members:
            for period, starts_on in (every if dimension in SERIES_DIMENSIONS else month):
                key = (measure, period, starts_on, dimension, member)
                values[key] = values.get(key, 0) + amount

    def nonzero(self) -> dict[FigureKey, Decimal]:
        return {key: value for key, value in self.values.items() if value}


def national() -> list[tuple[str, str]]:
    return [(NATIONAL, "")]


def of_unit(place: UnitPlace) -> list[tuple[str, str]]:
    """The members a fact of a unit counts under (national included)."""
    members = [(NATIONAL, ""), (UNIT, place.unit_code), (UNIT_TYPE, place.unit_type),
               (AUTHORITY, place.authority_code)]
    if place.shares_kept:
        members.append((AUTHORITY_UNIT, authority_unit(place.authority_code, place.unit_code)))
    if place.county_code:
        members.append((COUNTY, place.county_code))
    return members


def moved_share(measure: str, day: date, amount: Decimal, unit_code: str, old: str,
                new: str, deltas: Deltas, kept_before: bool = True, kept_after: bool = True) -> None:
    """A unit's figure of a day counted under ``old`` belongs to ``new`` (a jurisdiction
    change learnt after the facts, or a unit announced under another authority): only the
    authority's figures move. ``kept_before`` and ``kept_after``: whether the unit's shares
    were and are kept apart; its first jurisdiction change starts keeping them, from the
    unit's own figures (with ``old == new`` that only writes the share)."""
    deltas.add(measure, day, -amount, [(AUTHORITY, old)] + (
        [(AUTHORITY_UNIT, authority_unit(old, unit_code))] if kept_before else []))
    deltas.add(measure, day, amount, [(AUTHORITY, new)] + (
        [(AUTHORITY_UNIT, authority_unit(new, unit_code))] if kept_after else []))
