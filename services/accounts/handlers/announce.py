"""Announcing the organisations again (R-ORG-2…4): every unit as it is today, every
jurisdiction change, every routing rule, as the events that first told them. For a
service that subscribes later, or one whose replica must be rebuilt: consumers apply by
version and by change date, so a service that has them already changes nothing.

A jurisdiction change is announced with the unit's version of today (the version it
carried when first announced is not kept; a replica keys changes by unit and date)."""
from __future__ import annotations

from itertools import pairwise

from contracts.events.accounts import (
    REVIEW_ROUTING_CHANGED,
    UNIT_JURISDICTION_CHANGED,
    UNIT_UPDATED,
)
from servicekit.clock import Clock
from services.accounts.adapters.unit_of_work import AccountsUnitOfWork
from services.accounts.domain.dates import today
from services.accounts.handlers.events import (
    jurisdiction_data,
    routing_data,
    unit_data,
)


def announce_organisations(uow: AccountsUnitOfWork, clock: Clock) -> dict[str, int]:
    counts = {"units": 0, "jurisdiction_changes": 0, "routing_rules": 0}
    with uow:
        repository = uow.units
        histories = repository.every_history()
        for unit in repository.all(today(clock)):
            uow.record(UNIT_UPDATED, unit_data(unit))
            counts["units"] += 1
            periods = histories.get(unit.code, [])
            for before, after in pairwise(periods):
                uow.record(UNIT_JURISDICTION_CHANGED, jurisdiction_data(
                    unit.code, before.authority_code, after.authority_code, after.valid_from,
                    after.reference, unit.version))
                counts["jurisdiction_changes"] += 1
        for rule in uow.routing.all():
            uow.record(REVIEW_ROUTING_CHANGED, routing_data(rule))
            counts["routing_rules"] += 1
    return counts
