"""Use cases on units (R-ORG-2): each is one transaction that changes state and records
its events."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from contracts.events.accounts import UNIT_REGISTERED, UNIT_UPDATED
from contracts.review_routing import RoutingRule, reviewing_authority, rule_on
from servicekit.clock import Clock
from servicekit.errors import Conflict, Invalid, NotFound
from services.accounts.adapters.unit_of_work import AccountsUnitOfWork
from services.accounts.domain.dates import taipei_date
from services.accounts.domain.dates import today as today_of
from services.accounts.domain.jurisdiction import Period, authority_on
from services.accounts.domain.units import InvalidUnit, Unit, check_unit_fields
from services.accounts.handlers.events import unit_data
from services.accounts.handlers.scope import no_such


def register_unit(uow: AccountsUnitOfWork, clock: Clock, code: str, name: str, unit_type: str,
                  authority_code: str, county_code: str | None = None,
                  jurisdiction_from: date | None = None, reference: str = "registration",
                  by: str = "system") -> Unit:
    """``county_code`` defaults to the authority's county (a county's own schools);
    ``jurisdiction_from`` (default today) may lie in the past for units that existed
    before they were registered here, never in the future."""
    now = clock.now()
    today = taipei_date(now)
    start = jurisdiction_from or today
    if start > today:
        raise Invalid("invalid-unit", "The unit is not valid",
                      "a unit's first jurisdiction cannot start in the future")
    with uow:
        authority = uow.authorities.get(authority_code)
        if authority is None:
            raise Invalid("unknown-authority", "No such authority", f"authority {authority_code}")
        try:
            unit = Unit(code=code, name=name, unit_type=unit_type, authority_code=authority.code,
                        county_code=county_code or authority.county_code)
        except InvalidUnit as error:
            raise Invalid("invalid-unit", "The unit is not valid", str(error)) from None
        if uow.units.get(unit.code, today) is not None:
            raise Conflict("unit-exists", "A unit with this code exists", f"unit {unit.code}")
        uow.units.add(unit, Period(authority.code, start, None, reference), now, by)
        uow.record(UNIT_REGISTERED, unit_data(unit))
    return unit


def update_unit(uow: AccountsUnitOfWork, clock: Clock, code: str, changes: dict,
                by: str = "system") -> Unit:
    """Name, type or county; the authority changes only by a jurisdiction transfer."""
    with uow:
        units = uow.units
        unit = units.get(code, today_of(clock), for_update=True)
        if unit is None:
            raise no_such(f"unit {code}")
        changed = replace(unit, **{k: v for k, v in changes.items()
                                   if k in ("name", "unit_type", "county_code")})
        if changed == unit:
            return unit
        try:
            check_unit_fields(changed.code, changed.name, changed.unit_type, changed.county_code)
        except InvalidUnit as error:
            raise Invalid("invalid-unit", "The unit is not valid", str(error)) from None
        changed = replace(changed, version=unit.version + 1)
        units.update(changed)
        uow.record(UNIT_UPDATED, unit_data(changed))
    return changed


def find_unit(uow: AccountsUnitOfWork, clock: Clock, code: str) -> Unit:
    """The unit as it is today; not found otherwise."""
    with uow:
        unit = uow.units.get(code, today_of(clock))
    if unit is None:
        raise no_such(f"unit {code}")
    return unit


def unit_exists(uow: AccountsUnitOfWork, clock: Clock, code: str) -> bool:
    with uow:
        return uow.units.get(code, today_of(clock)) is not None


def list_units(uow: AccountsUnitOfWork, clock: Clock, authority_code: str | None = None,
               county_code: str | None = None, unit_type: str | None = None,
               on: date | None = None, limit: int = 100, offset: int = 0) -> list[Unit]:
    with uow:
        return uow.units.list(on or today_of(clock), authority_code, county_code, unit_type,
                              limit, offset)


def jurisdiction_history(uow: AccountsUnitOfWork, clock: Clock, code: str) -> list[Period]:
    with uow:
        if uow.units.get(code, today_of(clock)) is None:
            raise no_such(f"unit {code}")
        return uow.units.history(code)


def reviewer_on(uow: AccountsUnitOfWork, clock: Clock, code: str,
                day: date | None = None) -> dict:
    """Which authority reviews the unit's courses on ``day`` (default today): the unit's
    supervising authority of that day, through the routing rule of that day (R-ORG-3,
    R-ORG-4)."""
    day = day or today_of(clock)
    with uow:
        unit = uow.units.get(code, day)
        if unit is None:
            raise no_such(f"unit {code}")
        supervising = authority_on(uow.units.history(code), day)
        if supervising is None:
            raise NotFound(f"unit {code} had no supervising authority on {day.isoformat()}",
                           slug="no-jurisdiction-on-date", title="No jurisdiction on that date")
        rule: RoutingRule | None = rule_on(uow.routing.all(unit.unit_type), unit.unit_type, day)
    return {"unit_code": code, "on": day, "supervising_authority_code": supervising,
            "reviewing_authority_code": reviewing_authority(rule, supervising, unit.county_code),
            "rule_id": rule.rule_id if rule else None,
            "reviewer": rule.reviewer if rule else "supervising_authority"}
