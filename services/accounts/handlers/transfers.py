"""Transfers of teachers between authorities (R-ACC-1): the one way a reviewer moves a
teacher to another authority's school, and the record of every such move. The rules are
in ``domain.transfers``; who may change a teacher is ``teachers.teacher_to_manage``."""
from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import date
from typing import Any

from servicekit.clock import Clock
from servicekit.errors import Invalid
from servicekit.tokens import Principal
from services.accounts.adapters.unit_of_work import AccountsUnitOfWork
from services.accounts.domain.dates import today
from services.accounts.domain.teachers import RowRejected, change_for
from services.accounts.domain.transfers import (
    BY_TRANSFER,
    InvalidTransfer,
    Transfer,
    transfer_between,
    transfer_reason,
)
from services.accounts.handlers.teacher_import import check_is_school
from services.accounts.handlers.teachers import (
    apply_change,
    known_teacher,
    teacher_in_scope,
    teacher_to_manage,
)


def transfer_teacher(uow: AccountsUnitOfWork, clock: Clock, principal: Principal,
                     account_id: uuid.UUID, school_code: str, since: date | None,
                     reason: str) -> dict[str, Any]:
    """Moves a teacher to a school under another authority, from ``since`` (default
    today): made by the authority the teacher serves under today (its reviewers) or the
    network's staff, never by the receiving authority alone — it asks the current one, or
    an operator. The name and e-mail stay; the move is told as a change by hand is
    (account updated, school changed) and recorded with who, when, from where, and why."""
    try:
        reason = transfer_reason(reason)
    except InvalidTransfer as error:
        raise Invalid("reason-required", "A reason is required", str(error)) from None
    day = today(clock)
    with uow:
        account, current = teacher_to_manage(uow, clock, principal, account_id)
        try:
            target = check_is_school(uow.units.get(school_code, day))
            change = change_for(known_teacher(account), account.display_name, None, school_code,
                                since, day)
        except RowRejected as rejected:
            raise Invalid(rejected.reason, "The transfer was refused", rejected.detail) from None
        transfer = None if change is None else transfer_between(
            account.account_id, change, current, target, BY_TRANSFER, principal.subject,
            clock.now(), reason)
        if change is None or transfer is None:
            raise Invalid("not-a-transfer", "Not a move between authorities",
                          f"unit {school_code} is under the teacher's authority already: a move "
                          f"within an authority is a change (PATCH /teachers/{account_id})")
        apply_change(uow, clock, account, change, target.county_code)
        uow.transfers.add([transfer])
        return transfer_view(transfer)


def teacher_transfers(uow: AccountsUnitOfWork, clock: Clock, principal: Principal,
                      account_id: uuid.UUID) -> list[dict[str, Any]]:
    """A teacher's moves between authorities, oldest first, for whoever may see the teacher."""
    with uow:
        teacher_in_scope(uow, clock, principal, account_id)
        return [transfer_view(t) for t in uow.transfers.of_teacher(account_id)]


def transfer_view(transfer: Transfer) -> dict[str, Any]:
    return asdict(transfer)
