"""The plain rules of stats, without a database: the authority in force on a day
(R-ORG-3), what a fact adds to which figures, the periods a report may read."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from servicekit.errors import Forbidden, Invalid
from services.stats.domain import figures as f
from services.stats.domain import periods
from services.stats.domain.access import scope_for

TAICHUNG_2017 = [f.JurisdictionChange(date(2017, 1, 1), "K12EA", "TXG")]


@pytest.mark.parametrize("day, expected", [
    (date(2016, 12, 31), "K12EA"), (date(2017, 1, 1), "TXG"), (date(2020, 5, 1), "TXG")])
def test_the_authority_in_force_on_a_day(day: date, expected: str) -> None:
    assert f.authority_on(day, "TXG", TAICHUNG_2017) == expected


def test_two_changes_and_none() -> None:
    changes = [f.JurisdictionChange(date(2019, 1, 1), "TXG", "K12EA"), *TAICHUNG_2017]
    assert [f.authority_on(day, "K12EA", changes) for day in
            (date(2016, 6, 1), date(2018, 6, 1), date(2019, 6, 1))] == ["K12EA", "TXG", "K12EA"]
    assert f.authority_on(date(2016, 6, 1), "TPE", []) == "TPE"


def test_a_fact_adds_to_its_day_and_month_under_series_members_and_month_under_the_rest(
        ) -> None:
    """National, authority, unit and authority_unit are read as series (by day, month or
    year: a year is the sum of its months); county and unit type only in tables (months)."""
    deltas = f.Deltas()
    place = f.UnitPlace("193301", "senior_high_school", "TXG", "K12EA")
    deltas.add(f.TEACHER_HOURS, date(2016, 12, 30), Decimal("2.5"), f.of_unit(place))
    deltas.add(f.TEACHER_HOURS, date(2016, 12, 31), Decimal("1.0"), f.of_unit(place))
    values = deltas.nonzero()
    assert values[(f.TEACHER_HOURS, f.MONTH, date(2016, 12, 1), f.UNIT, "193301")] == Decimal("3.5")
    assert values[(f.TEACHER_HOURS, f.DAY, date(2016, 12, 31), f.AUTHORITY_UNIT,
                   "K12EA|193301")] == Decimal("1.0")
    assert values[(f.TEACHER_HOURS, f.MONTH, date(2016, 12, 1), f.COUNTY, "TXG")] == Decimal("3.5")
    assert not any(key[1] == f.YEAR for key in values)
    assert not any(key[1] == f.DAY and key[3] in (f.COUNTY, f.UNIT_TYPE) for key in values)
    # 4 series members: two days and one month each; county and unit type: one month each.
    assert len(values) == 4 * 3 + 2


def test_a_moved_share_leaves_the_unit_and_the_nation_alone() -> None:
    deltas = f.Deltas()
    f.moved_share(f.ENROLMENTS, date(2016, 12, 1), Decimal(2), "193301", "TXG", "K12EA", deltas)
    members = {(key[3], key[4]) for key in deltas.nonzero()}
    assert members == {(f.AUTHORITY, "TXG"), (f.AUTHORITY, "K12EA"),
                       (f.AUTHORITY_UNIT, "TXG|193301"), (f.AUTHORITY_UNIT, "K12EA|193301")}


def test_periods_default_and_bounds() -> None:
    today = date(2017, 6, 15)
    span = periods.resolve(f.MONTH, None, None, today)
    assert (span.first, span.last, len(span.starts())) == (date(2016, 6, 1), date(2017, 6, 1), 13)
    assert periods.resolve(f.YEAR, None, None, today).starts()[0] == date(2003, 1, 1)
    assert periods.resolve(f.DAY, "2016-06-16", "2017-06-15", today).starts()[-1] == today
    with pytest.raises(Invalid) as refused:
        periods.resolve(f.DAY, "2016-06-14", "2017-06-15", today)  # 367 days
    assert refused.value.slug == "range-too-long"
    with pytest.raises(Invalid) as refused:
        periods.resolve(f.MONTH, "2017-07", None, today)
    assert refused.value.slug == "future-period"


def test_scopes_by_role() -> None:
    viewer = frozenset({"viewer"})
    assert scope_for(viewer, None, None, None, None).kind == "national"
    assert scope_for(viewer, None, None, "TXG", "193301").series_member() == (
        f.AUTHORITY_UNIT, "TXG|193301")
    assert scope_for(frozenset({"reviewer"}), None, "TXG", None, None).series_member() == (
        f.AUTHORITY, "TXG")
    assert scope_for(frozenset({"business"}), "193301", None, None, "193301").series_member() == (
        f.UNIT, "193301")
    with pytest.raises(Forbidden):
        scope_for(frozenset({"teacher"}), None, None, None, None)
    with pytest.raises(Forbidden):
        scope_for(frozenset({"reviewer"}), None, "TXG", "K12EA", None)
