"""Repositories of authorities, units with their jurisdiction history, and routing rules."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.orm import Session

from contracts.review_routing import RoutingRule
from services.accounts.adapters.orm import (
    authorities,
    review_routing_rules,
    unit_jurisdictions,
    units,
)
from services.accounts.adapters.times import stored
from services.accounts.domain.authorities import Authority
from services.accounts.domain.jurisdiction import Period
from services.accounts.domain.units import Unit


class AuthorityRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self) -> list[Authority]:
        rows = self.session.execute(select(
            authorities.c.code, authorities.c.name, authorities.c.county_code, authorities.c.kind,
            authorities.c.position, authorities.c.version).order_by(authorities.c.position))
        return [Authority(*row) for row in rows]

    def get(self, code: str) -> Authority | None:
        return next((a for a in self.all() if a.code == code), None)

    def codes(self) -> set[str]:
        return set(self.session.scalars(select(authorities.c.code)))

    def unannounced(self) -> list[Authority]:
        rows = self.session.execute(select(
            authorities.c.code, authorities.c.name, authorities.c.county_code, authorities.c.kind,
            authorities.c.position, authorities.c.version)
            .where(authorities.c.announced_version < authorities.c.version)
            .order_by(authorities.c.position))
        return [Authority(*row) for row in rows]

    def mark_announced(self, authority: Authority) -> None:
        self.session.execute(update(authorities).where(authorities.c.code == authority.code)
                             .values(announced_version=authority.version))

    def upsert(self, authority: Authority) -> bool:
        """Adds a missing authority or renames one; True when something changed."""
        known = self.get(authority.code)
        if known is None:
            self.session.execute(insert(authorities).values(
                code=authority.code, name=authority.name, county_code=authority.county_code,
                kind=authority.kind, position=authority.position, version=1, announced_version=0))
            return True
        if (known.name, known.county_code, known.kind) == (authority.name, authority.county_code,
                                                           authority.kind):
            return False
        self.session.execute(update(authorities).where(authorities.c.code == authority.code).values(
            name=authority.name, county_code=authority.county_code, kind=authority.kind,
            version=known.version + 1))
        return True


def _in_force(day: date):  # type: ignore[no-untyped-def]
    return and_(unit_jurisdictions.c.valid_from <= day,
                or_(unit_jurisdictions.c.valid_until.is_(None),
                    unit_jurisdictions.c.valid_until > day))


class UnitRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _select(self, day: date):  # type: ignore[no-untyped-def]
        current = select(unit_jurisdictions.c.unit_code, unit_jurisdictions.c.authority_code) \
            .where(_in_force(day)).subquery()
        return select(units.c.code, units.c.name, units.c.unit_type, current.c.authority_code,
                      units.c.county_code, units.c.version) \
            .select_from(units.outerjoin(current, current.c.unit_code == units.c.code))

    def get(self, code: str, day: date, for_update: bool = False) -> Unit | None:
        query = self._select(day).where(units.c.code == code)
        row = self.session.execute(query).first()
        if row is not None and for_update:
            self.lock(code)
        return Unit(*row) if row else None

    def lock(self, code: str) -> None:
        """Serialises changes to one unit (a no-op on SQLite, whose writers queue anyway)."""
        self.session.execute(select(units.c.code).where(units.c.code == code).with_for_update())

    def many(self, codes: list[str], day: date) -> dict[str, Unit]:
        found: dict[str, Unit] = {}
        for start in range(0, len(codes), 500):
            chunk = codes[start:start + 500]
            for row in self.session.execute(self._select(day).where(units.c.code.in_(chunk))):
                found[row.code] = Unit(*row)
        return found

    def list(self, day: date, authority_code: str | None, county_code: str | None,
             unit_type: str | None, limit: int, offset: int) -> list[Unit]:
        query = self._select(day)
        if authority_code:
            query = query.where(query.selected_columns.authority_code == authority_code)
        if county_code:
            query = query.where(units.c.county_code == county_code)
        if unit_type:
            query = query.where(units.c.unit_type == unit_type)
        rows = self.session.execute(query.order_by(units.c.code).limit(limit).offset(offset))
        return [Unit(*row) for row in rows]

    def add(self, unit: Unit, first: Period, at: datetime, by: str) -> None:
        self.session.execute(insert(units).values(
            code=unit.code, name=unit.name, unit_type=unit.unit_type,
            county_code=unit.county_code, version=unit.version))
        self.add_period(unit.code, first, at, by)

    def update(self, unit: Unit) -> None:
        self.session.execute(update(units).where(units.c.code == unit.code).values(
            name=unit.name, unit_type=unit.unit_type, county_code=unit.county_code,
            version=unit.version))

    def all(self, day: date) -> list[Unit]:
        return [Unit(*row) for row in self.session.execute(self._select(day).order_by(units.c.code))]

    def every_history(self) -> dict[str, list[Period]]:
        """Every unit's periods, oldest first, in one read."""
        histories: dict[str, list[Period]] = {}
        for code, *period in self.session.execute(select(
                unit_jurisdictions.c.unit_code, unit_jurisdictions.c.authority_code,
                unit_jurisdictions.c.valid_from, unit_jurisdictions.c.valid_until,
                unit_jurisdictions.c.reference)
                .order_by(unit_jurisdictions.c.unit_code, unit_jurisdictions.c.valid_from)):
            histories.setdefault(code, []).append(Period(*period))
        return histories

    def history(self, code: str) -> list[Period]:
        rows = self.session.execute(select(
            unit_jurisdictions.c.authority_code, unit_jurisdictions.c.valid_from,
            unit_jurisdictions.c.valid_until, unit_jurisdictions.c.reference)
            .where(unit_jurisdictions.c.unit_code == code)
            .order_by(unit_jurisdictions.c.valid_from))
        return [Period(*row) for row in rows]

    def add_period(self, code: str, period: Period, at: datetime, by: str) -> None:
        self.session.execute(insert(unit_jurisdictions).values(
            unit_code=code, authority_code=period.authority_code, valid_from=period.valid_from,
            valid_until=period.valid_until, reference=period.reference, recorded_at=stored(at),
            recorded_by=by))

    def close_period(self, code: str, period: Period) -> None:
        self.session.execute(update(unit_jurisdictions).where(
            unit_jurisdictions.c.unit_code == code,
            unit_jurisdictions.c.valid_from == period.valid_from).values(
            valid_until=period.valid_until))


class RoutingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self, unit_type: str | None = None) -> list[RoutingRule]:
        query = select(review_routing_rules.c.rule_id, review_routing_rules.c.unit_type,
                       review_routing_rules.c.reviewer,
                       review_routing_rules.c.fixed_authority_code,
                       review_routing_rules.c.effective_from)
        if unit_type:
            query = query.where(review_routing_rules.c.unit_type == unit_type)
        rows = self.session.execute(query.order_by(review_routing_rules.c.unit_type,
                                                   review_routing_rules.c.effective_from))
        return [RoutingRule(*row) for row in rows]

    def add(self, rule: RoutingRule, at: datetime, by: str) -> None:
        self.session.execute(insert(review_routing_rules).values(
            rule_id=rule.rule_id, unit_type=rule.unit_type, reviewer=rule.reviewer,
            fixed_authority_code=rule.fixed_authority_code, effective_from=rule.effective_from,
            recorded_at=stored(at), recorded_by=by))
