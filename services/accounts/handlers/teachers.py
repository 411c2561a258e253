"""Use cases on one teacher (R-ACC-1): create, read, change (national IDs in
``national_ids``). Each takes the unit of work it runs in and the clock it reads."""
from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from contracts.events.accounts import ACCOUNT_UPDATED, TEACHER_SCHOOL_CHANGED
from servicekit.clock import Clock
from servicekit.errors import Conflict, Invalid
from servicekit.tokens import Principal
from services.accounts.adapters.national_id_vault import NationalIdVault
from services.accounts.adapters.unit_of_work import AccountsUnitOfWork
from services.accounts.domain.accounts import (
    TEACHER,
    Account,
    InvalidAccount,
    InvalidTransition,
    check_display_name,
    disable,
    reenable_teacher,
)
from services.accounts.domain.dates import today
from services.accounts.domain.teachers import (
    REJECTED,
    KnownTeacher,
    RowRejected,
    TeacherChange,
    change_for,
)
from services.accounts.domain.transfers import BY_CHANGE, transfer_between
from services.accounts.domain.units import Unit
from services.accounts.handlers.events import (
    account_data,
    school_changed_data,
)
from services.accounts.handlers.scope import (
    is_national,
    manages_teachers_of,
    no_such,
    sees_teachers_of,
    teacher_refused,
)
from services.accounts.handlers.teacher_import import check_school, import_rows


def create_teacher(uow: AccountsUnitOfWork, clock: Clock, vault: NationalIdVault,
                   principal: Principal, fields: dict[str, Any]) -> dict[str, Any]:
    """One teacher by hand: the import's rules for one row, where a known teacher is a
    conflict and a rejected row refuses the whole request."""
    report = import_rows(uow, clock, vault, principal, [(1, fields)], only_new=True)
    [outcome] = report.rows
    if outcome.status == REJECTED:
        raise teacher_refused(outcome.reason or "invalid-teacher", "The teacher was not created",
                              outcome.detail or "")
    return get_teacher(uow, clock, principal, uuid.UUID(outcome.account_id))


def _may_see(principal: Principal, account: Account, school: Unit | None) -> bool:
    if is_national(principal):
        return True
    if principal.has_any_role("teacher") and principal.subject in (str(account.account_id),
                                                                    account.login):
        return True
    return sees_teachers_of(principal, school)


def current_school(uow: AccountsUnitOfWork, clock: Clock, account: Account) -> Unit | None:
    return uow.units.get(account.unit_code or "", today(clock))


def teacher_in_scope(uow: AccountsUnitOfWork, clock: Clock, principal: Principal,
                     account_id: uuid.UUID, for_update: bool = False
                     ) -> tuple[Account, Unit | None]:
    """The teacher, if the caller may see them, with their current school (read once:
    who may see and who may change a teacher both follow it)."""
    account = uow.accounts.get(account_id, for_update=for_update)
    if account is None or account.kind != TEACHER:
        raise no_such(f"teacher {account_id}")
    school = current_school(uow, clock, account)
    if not _may_see(principal, account, school):
        raise no_such(f"teacher {account_id}")
    return account, school


def teacher_to_manage(uow: AccountsUnitOfWork, clock: Clock, principal: Principal,
                      account_id: uuid.UUID) -> tuple[Account, Unit | None]:
    """A teacher the caller may change, with their current school: the network's staff
    any, a reviewer those of the schools under its authority today. Seeing a teacher is
    not enough (the school's business accounts and the teacher see it too)."""
    account, school = teacher_in_scope(uow, clock, principal, account_id, for_update=True)
    if not manages_teachers_of(principal, school):
        raise no_such(f"teacher {account_id}")
    return account, school


def get_teacher(uow: AccountsUnitOfWork, clock: Clock, principal: Principal,
                account_id: uuid.UUID) -> dict[str, Any]:
    with uow:
        account, _ = teacher_in_scope(uow, clock, principal, account_id)
        return _view(uow, account)


def school_teachers(uow: AccountsUnitOfWork, clock: Clock, principal: Principal,
                    unit_code: str, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    """A school's current teachers: for the school's own business accounts, the reviewers
    of its authority today, and the network's staff. Another's school is not found."""
    with uow:
        school = uow.units.get(unit_code, today(clock))
        if school is None or not sees_teachers_of(principal, school):
            raise no_such(f"unit {unit_code}")
        teachers = uow.accounts.teachers_at(unit_code, limit, offset)
    return [{**account_data(t), "school_since": t.school_since} for t in teachers]


def update_teacher(uow: AccountsUnitOfWork, clock: Clock, principal: Principal,
                   account_id: uuid.UUID, changes: dict[str, Any]) -> dict[str, Any]:
    """Name, e-mail, or a move to another school from ``since`` (default today). A
    reviewer may change its own authority's teachers, and move them to its own schools."""
    day = today(clock)
    with uow:
        account, left = teacher_to_manage(uow, clock, principal, account_id)
        try:
            name = check_display_name(changes.get("display_name", account.display_name))
        except InvalidAccount as error:
            raise Invalid("invalid-name", "The name is not valid", str(error)) from None
        school_code = changes.get("school_code", account.unit_code)
        found = uow.units.get(school_code, day) if school_code else None
        try:
            school = check_school(principal, found)
            change = change_for(known_teacher(account), name, changes.get("email"), school.code,
                                changes.get("since"), day,
                                clear_email="email" in changes and changes["email"] is None)
        except RowRejected as rejected:
            raise teacher_refused(rejected.reason, "The change was refused",
                                  rejected.detail) from None
        if change is None:
            return _view(uow, account)
        changed = apply_change(uow, clock, account, change, school.county_code)
        # Only the network's staff reach another authority's school here.
        transfer = transfer_between(account.account_id, change, left, school, BY_CHANGE,
                                    principal.subject, clock.now())
        if transfer is not None:
            uow.transfers.add([transfer])
        return _view(uow, changed)


def set_teacher_enabled(uow: AccountsUnitOfWork, clock: Clock, principal: Principal,
                        account_id: uuid.UUID, enabled: bool) -> dict[str, Any]:
    """A teacher disabled (left the profession, an account taken over) or enabled again,
    by the reviewers of the school's authority or the network's staff. The sso service
    ends a disabled teacher's sessions at once; imports keep the status as it is."""
    with uow:
        account, _ = teacher_to_manage(uow, clock, principal, account_id)
        try:
            changed = reenable_teacher(account) if enabled else disable(account)
        except InvalidTransition as error:
            raise Conflict("invalid-transition", "Not possible in this state",
                           str(error)) from None
        uow.accounts.update(changed, clock.now())
        uow.record(ACCOUNT_UPDATED, account_data(changed))
        return _view(uow, changed)


def apply_change(uow: AccountsUnitOfWork, clock: Clock, account: Account, change: TeacherChange,
                 county_code: str | None) -> Account:
    """Writes a teacher's change and records its events: updated, and moved if so."""
    changed = replace(account, display_name=change.display_name, email=change.email,
                      unit_code=change.unit_code, school_since=change.school_since,
                      county_code=county_code, version=change.version)
    uow.accounts.update(changed, clock.now())
    uow.record(ACCOUNT_UPDATED, account_data(changed))
    if change.left_school is not None:  # moved
        uow.accounts.add_past_school(account.account_id, change.left_school,
                                     change.left_since, change.moved_on)
        uow.record(TEACHER_SCHOOL_CHANGED, school_changed_data(
            str(changed.account_id), change.unit_code, change.moved_on, changed.version))
    return changed


def _view(uow: AccountsUnitOfWork, account: Account) -> dict[str, Any]:
    past = uow.accounts.past_schools(account.account_id)
    return {**account_data(account), "school_since": account.school_since,
            "past_schools": [{"unit_code": unit, "since": since, "until": until}
                             for unit, since, until in past]}


def known_teacher(account: Account) -> KnownTeacher:
    return KnownTeacher(str(account.account_id), account.login, account.status,
                        account.display_name, account.email, account.unit_code,
                        account.school_since, account.version)
