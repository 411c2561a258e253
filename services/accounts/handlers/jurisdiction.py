"""Jurisdiction transfer (R-ORG-3): units move to another authority from a date, one or a
batch at once (the 39 Taichung schools of 2017-01-01). All or nothing: one unit that
cannot move stops the batch, and the answer lists every unit that could not."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from contracts.events.accounts import UNIT_JURISDICTION_CHANGED, UNIT_UPDATED
from servicekit.clock import Clock
from servicekit.errors import Conflict, Invalid
from services.accounts.adapters.unit_of_work import AccountsUnitOfWork
from services.accounts.domain.dates import taipei_date
from services.accounts.domain.jurisdiction import NoChange, OverlappingChange, transfer
from services.accounts.handlers.events import (
    jurisdiction_data,
    unit_data,
)

MAX_BATCH = 1000


@dataclass(frozen=True)
class Transferred:
    unit_code: str
    from_authority_code: str
    to_authority_code: str
    effective_from: date
    reference: str
    version: int


def transfer_units(uow: AccountsUnitOfWork, clock: Clock, unit_codes: list[str],
                   to_authority_code: str, effective_from: date, reference: str,
                   by: str = "system") -> list[Transferred]:
    """A change in force today also says so with the unit's new state (unit.updated);
    one dated later is announced now (jurisdiction_changed) and takes effect on its date."""
    codes = list(dict.fromkeys(unit_codes))  # the same unit twice is one move
    if not codes or len(codes) > MAX_BATCH:
        raise Invalid("invalid-transfer", "The transfer is not valid",
                      f"name between 1 and {MAX_BATCH} units")
    now = clock.now()
    today = taipei_date(now)
    with uow:
        if uow.authorities.get(to_authority_code) is None:
            raise Invalid("unknown-authority", "No such authority",
                          f"authority {to_authority_code}")
        units = uow.units
        found = units.many(codes, today)
        missing = [code for code in codes if code not in found]
        if missing:
            raise Invalid("unknown-unit", "Some units do not exist",
                          f"{len(missing)} of {len(codes)} units are unknown", unit_codes=missing)
        moves, refused = [], []
        for code in sorted(codes):  # a fixed order: two batches never lock in opposite orders
            units.lock(code)
            history = units.history(code)
            try:
                closed, opened = transfer(history, to_authority_code, effective_from, reference)
            except (OverlappingChange, NoChange) as error:
                refused.append({"unit_code": code, "reason": str(error),
                                "kind": "no-change" if isinstance(error, NoChange) else "overlap"})
                continue
            moves.append((found[code], history[-1].authority_code, closed, opened))
        if refused:
            raise Conflict("jurisdiction-change-overlaps", "The transfer overlaps recorded changes",
                           f"{len(refused)} of {len(codes)} units cannot move from "
                           f"{effective_from.isoformat()}; nothing was changed", units=refused)
        done = []
        for unit, from_authority, closed, opened in moves:
            units.close_period(unit.code, closed)
            units.add_period(unit.code, opened, now, by)
            moved = replace(unit, version=unit.version + 1,
                            authority_code=to_authority_code if effective_from <= today
                            else unit.authority_code)
            units.update(moved)
            uow.record(UNIT_JURISDICTION_CHANGED, jurisdiction_data(
                unit.code, from_authority, to_authority_code, effective_from, reference,
                moved.version))
            if effective_from <= today:
                uow.record(UNIT_UPDATED, unit_data(moved))
            done.append(Transferred(unit.code, from_authority, to_authority_code, effective_from,
                                    reference, moved.version))
    return done
