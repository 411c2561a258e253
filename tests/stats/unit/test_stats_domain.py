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
    year: a year is the sum of its months); county and unit type only in tables (months).
    The unit here has a jurisdiction history, so its share under K12EA is kept apart."""
    deltas = f.Deltas()
    place = f.UnitPlace("193301", "senior_high_school", "TXG", "K12EA", shares_kept=True)
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


def test_a_unit_that_never_changed_authority_has_no_share_apart() -> None:
    """Its share under its authority is its own figures: no authority_unit row is written
    (R-STA-4; read back through ``share_member``)."""
    deltas = f.Deltas()
    place = f.UnitPlace("353301", "senior_high_school", "TPE", "TPE")
    deltas.add(f.ENROLMENTS, date(2017, 3, 2), 1, f.of_unit(place))
    assert {key[3] for key in deltas.nonzero()} == {
        f.NATIONAL, f.UNIT, f.UNIT_TYPE, f.AUTHORITY, f.COUNTY}
    assert f.place_on(place, [], date(2017, 3, 2)) == place
    assert f.place_on(place, TAICHUNG_2017, date(2016, 3, 2)) == f.UnitPlace(
        "353301", "senior_high_school", "TPE", "K12EA", shares_kept=True)


@pytest.mark.parametrize("authority, current, kept, expected", [
    ("TXG", "TXG", True, (f.AUTHORITY_UNIT, "TXG|193301")),
    ("K12EA", "TXG", True, (f.AUTHORITY_UNIT, "K12EA|193301")),
    ("TXG", "TXG", False, (f.UNIT, "193301")),
    ("K12EA", "TXG", False, None),
])
def test_where_a_units_share_under_an_authority_is_read(
        authority: str, current: str, kept: bool, expected: tuple[str, str] | None) -> None:
    assert f.share_member(authority, "193301", current, kept) == expected


def test_a_first_change_writes_the_units_shares_from_its_own_figures() -> None:
    """Counted under TXG with no share apart; the change says K12EA held that day: the
    authority's figure moves and the share is written under K12EA alone."""
    deltas = f.Deltas()
    f.moved_share(f.ENROLMENTS, date(2016, 12, 1), Decimal(2), "193301", "TXG", "K12EA", deltas,
                  kept_before=False)
    assert {(key[3], key[4]): value for key, value in deltas.nonzero().items()
            if key[1] == f.DAY} == {(f.AUTHORITY, "TXG"): -2, (f.AUTHORITY, "K12EA"): 2,
                                    (f.AUTHORITY_UNIT, "K12EA|193301"): 2}
    same = f.Deltas()  # the day was TXG's after all: only its share is written
    f.moved_share(f.ENROLMENTS, date(2017, 2, 1), Decimal(3), "193301", "TXG", "TXG", same,
                  kept_before=False)
    assert {(key[3], key[4]) for key in same.nonzero()} == {(f.AUTHORITY_UNIT, "TXG|193301")}


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
