"""Use cases on units (R-ORG-2): each is one transaction that changes state and records
its events."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from contracts.review_routing import RoutingRule, reviewing_authority, rule_on
from servicekit.problems import Problem, conflict
from servicekit.service import Runtime
from services.accounts.adapters.organisations import (
    AuthorityRepository,
    RoutingRepository,
    UnitRepository,
)
from services.accounts.domain import dates
from services.accounts.domain.jurisdiction import Period, authority_on
from services.accounts.domain.units import InvalidUnit, Unit, check_unit_fields
from services.accounts.handlers.events import UNIT_REGISTERED, UNIT_UPDATED, unit_data
from services.accounts.handlers.scope import hidden, invalid


def register_unit(runtime: Runtime, code: str, name: str, unit_type: str, authority_code: str,
                  county_code: str | None = None, jurisdiction_from: date | None = None,
                  reference: str = "registration", by: str = "system") -> Unit:
    """``county_code`` defaults to the authority's county (a county's own schools);
    ``jurisdiction_from`` (default today) may lie in the past for units that existed
    before they were registered here, never in the future."""
    today = dates.today()
    start = jurisdiction_from or today
    if start > today:
        raise invalid("invalid-unit", "The unit is not valid",
                      "a unit's first jurisdiction cannot start in the future")
    with runtime.database.session() as session:
        authority = AuthorityRepository(session).get(authority_code)
        if authority is None:
            raise invalid("unknown-authority", "No such authority", f"authority {authority_code}")
        try:
            unit = Unit(code=code, name=name, unit_type=unit_type, authority_code=authority.code,
                        county_code=county_code or authority.county_code)
        except InvalidUnit as error:
            raise Problem(422, "invalid-unit", "The unit is not valid", str(error)) from None
        units = UnitRepository(session)
        if units.get(unit.code, today) is not None:
            raise conflict("unit-exists", "A unit with this code exists", f"unit {unit.code}")
        units.add(unit, Period(authority.code, start, None, reference), dates.now(), by)
        runtime.outbox.record(session, UNIT_REGISTERED, unit_data(unit))
    return unit


def update_unit(runtime: Runtime, code: str, changes: dict, by: str = "system") -> Unit:
    """Name, type or county; the authority changes only by a jurisdiction transfer."""
    with runtime.database.session() as session:
        units = UnitRepository(session)
        unit = units.get(code, dates.today(), for_update=True)
        if unit is None:
            raise hidden(f"unit {code}")
        changed = replace(unit, **{k: v for k, v in changes.items()
                                   if k in ("name", "unit_type", "county_code")})
        if changed == unit:
            return unit
        try:
            check_unit_fields(changed.code, changed.name, changed.unit_type, changed.county_code)
        except InvalidUnit as error:
            raise Problem(422, "invalid-unit", "The unit is not valid", str(error)) from None
        changed = replace(changed, version=unit.version + 1)
        units.update(changed)
        runtime.outbox.record(session, UNIT_UPDATED, unit_data(changed))
    return changed


def find_unit(runtime: Runtime, code: str) -> Unit | None:
    with runtime.database.session() as session:
        return UnitRepository(session).get(code, dates.today())


def list_units(runtime: Runtime, authority_code: str | None = None, county_code: str | None = None,
               unit_type: str | None = None, on: date | None = None, limit: int = 100,
               offset: int = 0) -> list[Unit]:
    with runtime.database.session() as session:
        return UnitRepository(session).list(on or dates.today(), authority_code, county_code,
                                            unit_type, limit, offset)


def jurisdiction_history(runtime: Runtime, code: str) -> list[Period]:
    with runtime.database.session() as session:
        units = UnitRepository(session)
        if units.get(code, dates.today()) is None:
            raise hidden(f"unit {code}")
        return units.history(code)


def reviewer_on(runtime: Runtime, code: str, day: date) -> dict:
    """Which authority reviews the unit's courses on ``day``: the unit's supervising
    authority of that day, through the routing rule of that day (R-ORG-3, R-ORG-4)."""
    with runtime.database.session() as session:
        units = UnitRepository(session)
        unit = units.get(code, day)
        if unit is None:
            raise hidden(f"unit {code}")
        supervising = authority_on(units.history(code), day)
        if supervising is None:
            raise Problem(404, "no-jurisdiction-on-date", "No jurisdiction on that date",
                          f"unit {code} had no supervising authority on {day.isoformat()}")
        rule: RoutingRule | None = rule_on(RoutingRepository(session).all(unit.unit_type),
                                           unit.unit_type, day)
    return {"unit_code": code, "on": day, "supervising_authority_code": supervising,
            "reviewing_authority_code": reviewing_authority(rule, supervising, unit.county_code),
            "rule_id": rule.rule_id if rule else None,
            "reviewer": rule.reviewer if rule else "supervising_authority"}
