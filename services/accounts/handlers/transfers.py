"""Transfers of teachers between authorities (R-ACC-1): the one way a reviewer moves a
teacher to another authority's school, and the record of every such move. The rules are
in ``domain.transfers``; who may change a teacher is ``teachers.teacher_to_manage``."""
from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import date
from typing import Any

from servicekit.service import Runtime
from servicekit.tokens import Principal
from services.accounts.adapters.organisations import UnitRepository
from services.accounts.adapters.transfers_repo import TransferLog
from services.accounts.domain import dates
from services.accounts.domain.teachers import RowRejected, change_for
from services.accounts.domain.transfers import (
    BY_TRANSFER,
    InvalidTransfer,
    Transfer,
    crosses_authorities,
    transfer_reason,
)
from services.accounts.handlers.scope import invalid
from services.accounts.handlers.teacher_import import check_is_school
from services.accounts.handlers.teachers import (
    apply_change,
    current_school,
    known_teacher,
    record_if_transfer,
    teacher_in_scope,
    teacher_to_manage,
)


def transfer_teacher(runtime: Runtime, principal: Principal, account_id: uuid.UUID,
                     school_code: str, since: date | None, reason: str) -> dict[str, Any]:
    """Moves a teacher to a school under another authority, from ``since`` (default
    today): made by the authority the teacher serves under today (its reviewers) or the
    network's staff, never by the receiving authority alone — it asks the current one, or
    an operator. The name and e-mail stay; the move is told as a change by hand is
    (account updated, school changed) and recorded with who, when, from where, and why."""
    try:
        reason = transfer_reason(reason)
    except InvalidTransfer as error:
        raise invalid("reason-required", "A reason is required", str(error)) from None
    today = dates.today()
    with runtime.database.session() as session:
        account = teacher_to_manage(session, principal, account_id)
        current = current_school(session, account)
        target = UnitRepository(session).get(school_code, today)
        try:
            target = check_is_school(target)
            change = change_for(known_teacher(account), account.display_name, None, school_code,
                                since, today)
        except RowRejected as rejected:
            raise invalid(rejected.reason, "The transfer was refused", rejected.detail) from None
        if change is None or not crosses_authorities(
                current.authority_code if current else None, target.authority_code):
            raise invalid("not-a-transfer", "Not a move between authorities",
                          f"unit {school_code} is under the teacher's authority already: a move "
                          f"within an authority is a change (PATCH /teachers/{account_id})")
        apply_change(runtime.outbox, session, account, change, target.county_code)
        transfer = record_if_transfer(session, principal, account, change, current, target,
                                      BY_TRANSFER, reason)
        return transfer_view(transfer)  # type: ignore[arg-type]  # crosses authorities: checked above


def teacher_transfers(runtime: Runtime, principal: Principal,
                      account_id: uuid.UUID) -> list[dict[str, Any]]:
    """A teacher's moves between authorities, oldest first, for whoever may see the teacher."""
    with runtime.database.session() as session:
        teacher_in_scope(session, principal, account_id)
        return [transfer_view(t) for t in TransferLog(session).of_teacher(account_id)]


def transfer_view(transfer: Transfer) -> dict[str, Any]:
    return asdict(transfer)
