"""Reading figures for reports: a series reads one member's rows over a range of periods,
a table sums each member's month rows over the range. Both touch as many rows as the
report shows (times the months of a table), never the facts behind them. A unit's share
under an authority is read where ``figures.share_member`` says it is kept."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import exists, func, literal, select
from sqlalchemy.orm import Session

from services.stats.adapters.orm import (
    authorities,
    figures,
    jurisdiction_changes,
    unit_lights,
    units,
)
from services.stats.domain.figures import AUTHORITY_UNIT, MONTH, UNIT, YEAR, share_member

# A table reads the index of month rows alone (``orm.figures``): the period written into
# the statement, so that even a plan made for any parameters may use that partial index.
_MONTH_ROWS = figures.c.period == literal(MONTH, literal_execute=True)
# Whether a unit has a jurisdiction history (its shares under each authority kept apart).
_CHANGED = exists().where(jurisdiction_changes.c.unit_code == units.c.unit_code)


class FiguresReader:
    def __init__(self, session: Session) -> None:
        self.session = session

    def series(self, measures: Sequence[str], dimension: str, member: str, period: str,
               first: date, last: date) -> dict[tuple[str, date], Decimal]:
        """(measure, first day of the period) → the figure. A year is the sum of its months
        (figures are kept by day and month only: ``figures.KEPT_PERIODS``)."""
        if dimension == AUTHORITY_UNIT:
            source = self._share_source(*member.split("|", 1))
            if source is None:
                return {}
            dimension, member = source
        kept, until = (MONTH, date(last.year, 12, 1)) if period == YEAR else (period, last)
        rows = self.session.execute(
            select(figures.c.measure, figures.c.starts_on, figures.c.value)
            .where(figures.c.measure.in_(list(measures)), figures.c.dimension == dimension,
                   figures.c.period == kept, figures.c.member == member,
                   figures.c.starts_on.between(first, until)))
        if period != YEAR:
            return {(row.measure, row.starts_on): Decimal(row.value) for row in rows}
        years: dict[tuple[str, date], Decimal] = {}
        for row in rows:
            key = (row.measure, row.starts_on.replace(month=1))
            years[key] = years.get(key, Decimal(0)) + Decimal(row.value)
        return years

    def table(self, measures: Sequence[str], dimension: str, first: date, last: date,
              member_prefix: str | None = None, member: str | None = None
              ) -> dict[tuple[str, str], Decimal]:
        """(measure, member) → the sum over the months from ``first`` to ``last``."""
        query = (select(figures.c.measure, figures.c.member, func.sum(figures.c.value))
                 .where(figures.c.measure.in_(list(measures)), figures.c.dimension == dimension,
                        _MONTH_ROWS, figures.c.starts_on.between(first, last))
                 .group_by(figures.c.measure, figures.c.member))
        if member is not None:
            query = query.where(figures.c.member == member)
        elif member_prefix is not None:
            query = query.where(figures.c.member.startswith(member_prefix, autoescape=True))
        return {(measure, name): Decimal(value or 0)
                for measure, name, value in self.session.execute(query)}

    def shares_table(self, measures: Sequence[str], authority: str, first: date, last: date,
                     unit: str | None = None) -> dict[tuple[str, str], Decimal]:
        """(measure, unit) → the unit's share under ``authority``, summed over the months:
        the kept shares of units with a jurisdiction history, and the own figures of the
        units ``authority`` holds that have none."""
        if unit is not None:
            source = self._share_source(authority, unit)
            if source is None:
                return {}
            return {(measure, unit): value for (measure, _member), value in self.table(
                measures, source[0], first, last, member=source[1]).items()}
        sums = {(measure, member.split("|", 1)[1]): value for (measure, member), value in
                self.table(measures, AUTHORITY_UNIT, first, last,
                           member_prefix=f"{authority}|").items()}
        held_throughout = select(units.c.unit_code).where(units.c.authority_code == authority,
                                                          ~_CHANGED)
        sums.update(((measure, member), Decimal(value or 0)) for measure, member, value in
                    self.session.execute(
                        select(figures.c.measure, figures.c.member, func.sum(figures.c.value))
                        .where(figures.c.measure.in_(list(measures)), figures.c.dimension == UNIT,
                               _MONTH_ROWS, figures.c.starts_on.between(first, last),
                               figures.c.member.in_(held_throughout))
                        .group_by(figures.c.measure, figures.c.member)))
        return sums

    def _share_source(self, authority: str, unit: str) -> tuple[str, str] | None:
        known = self.session.execute(select(units.c.authority_code, _CHANGED)
                                     .where(units.c.unit_code == unit)).first()
        if known is None:
            return None  # no fact of a unit stats does not know was counted
        return share_member(authority, unit, known[0], bool(known[1]))

    def overdue_units(self, year: int, authority: str | None, unit: str | None
                      ) -> list[tuple[str, str, int]]:
        """(unit, name, courses overdue) of the units with any in ``year``."""
        query = (select(unit_lights.c.unit_code, units.c.name, unit_lights.c.overdue)
                 .join(units, units.c.unit_code == unit_lights.c.unit_code, isouter=True)
                 .where(unit_lights.c.year == year, unit_lights.c.overdue > 0)
                 .order_by(unit_lights.c.unit_code))
        if authority is not None:
            query = query.where(units.c.authority_code == authority)
        if unit is not None:
            query = query.where(unit_lights.c.unit_code == unit)
        return [(code, name or code, overdue) for code, name, overdue in self.session.execute(query)]

    def units_of_type(self, unit_type: str) -> list[str]:
        return list(self.session.scalars(select(units.c.unit_code)
                                         .where(units.c.unit_type == unit_type)
                                         .order_by(units.c.unit_code)))

    def unit_names(self, codes: Sequence[str]) -> dict[str, str]:
        return {row.unit_code: row.name for row in self.session.execute(
            select(units.c.unit_code, units.c.name).where(units.c.unit_code.in_(list(codes))))}

    def authority_names(self, codes: Sequence[str]) -> dict[str, str]:
        return {row.authority_code: row.name for row in self.session.execute(
            select(authorities.c.authority_code, authorities.c.name)
            .where(authorities.c.authority_code.in_(list(codes))))}
