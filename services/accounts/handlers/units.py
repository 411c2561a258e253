"""Use cases on units: each is one transaction that changes state and records its events."""
from __future__ import annotations

from servicekit.problems import Problem, conflict
from servicekit.service import Runtime
from services.accounts.adapters.repository import UnitRepository
from services.accounts.domain.units import InvalidUnit, Unit

UNIT_REGISTERED = "accounts.unit.registered.v1"


def register_unit(runtime: Runtime, code: str, name: str, unit_type: str,
                  authority_code: str) -> Unit:
    try:
        unit = Unit(code=code, name=name, unit_type=unit_type, authority_code=authority_code)
    except InvalidUnit as error:
        raise Problem(422, "invalid-unit", "The unit is not valid", str(error)) from None
    with runtime.database.session() as session:
        units = UnitRepository(session)
        if units.get(unit.code) is not None:
            raise conflict("unit-exists", "A unit with this code exists", f"unit {unit.code}")
        units.add(unit)
        runtime.outbox.record(session, UNIT_REGISTERED, {
            "unit_code": unit.code, "name": unit.name, "unit_type": unit.unit_type,
            "authority_code": unit.authority_code, "version": unit.version})
    return unit


def find_unit(runtime: Runtime, code: str) -> Unit | None:
    with runtime.database.session() as session:
        return UnitRepository(session).get(code)
