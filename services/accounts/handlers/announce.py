"""Announcing the organisations again (R-ORG-2…4): every unit as it is today, every
jurisdiction change, every routing rule, as the events that first told them. For a
service that subscribes later, or one whose replica must be rebuilt: consumers apply by
version and by change date, so a service that has them already changes nothing.

A jurisdiction change is announced with the unit's version of today (the version it
carried when first announced is not kept; a replica keys changes by unit and date).

``announce_accounts``: every account's ``account.created`` again, as the account stands
(its version of today: a replica that has it changes nothing), at the moment it was opened
and with an id derived from the account (``servicekit.bus.announce``), so a second run
is skipped by the consumers' inboxes; a page of accounts per transaction. Never the
national ID: the event's data is ``account_data``'s, as when the account was opened."""
from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

from contracts.events.accounts import (
    ACCOUNT_CREATED,
    REVIEW_ROUTING_CHANGED,
    UNIT_JURISDICTION_CHANGED,
    UNIT_UPDATED,
)
from servicekit.bus.announce import Announcement
from servicekit.clock import Clock
from services.accounts.adapters.unit_of_work import AccountsUnitOfWork
from services.accounts.domain.dates import today
from services.accounts.handlers.events import (
    account_data,
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


ACCOUNTS_BATCH = 2000  # accounts per transaction


def announce_accounts(uow_factory: Callable[[], AccountsUnitOfWork],
                      batch: int = ACCOUNTS_BATCH) -> dict[str, int]:
    counts = {"accounts": 0}
    after = None
    while True:
        with uow_factory() as uow:  # commits the page's events
            page = uow.accounts.page(after, batch)
            if not page:
                break
            announcement = Announcement(uow.outbox)
            for account in page:
                if account.created_at is None:  # always set by the table; typed optional
                    continue
                announcement.add(ACCOUNT_CREATED, account_data(account), account.created_at,
                                 str(account.account_id))
            counts["accounts"] += announcement.write(uow.session)
        after = page[-1].account_id
    return counts
