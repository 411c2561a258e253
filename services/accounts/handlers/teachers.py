"""Use cases on one teacher (R-ACC-1): create, read, change (national IDs in
``national_ids``)."""
from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from sqlalchemy.orm import Session

from servicekit.bus.outbox import Outbox
from servicekit.problems import Problem, conflict
from servicekit.service import Runtime
from servicekit.tokens import Principal
from services.accounts.adapters.accounts_repo import AccountRepository
from services.accounts.adapters.organisations import UnitRepository
from services.accounts.adapters.transfers_repo import TransferLog
from services.accounts.domain import dates
from services.accounts.domain.accounts import (
    TEACHER,
    Account,
    InvalidAccount,
    InvalidTransition,
    check_display_name,
    disable,
    reenable_teacher,
)
from services.accounts.domain.teachers import (
    REJECTED,
    KnownTeacher,
    RowRejected,
    TeacherChange,
    change_for,
)
from services.accounts.domain.transfers import BY_CHANGE, Transfer, crosses_authorities
from services.accounts.domain.units import Unit
from services.accounts.handlers.events import (
    ACCOUNT_UPDATED,
    SCHOOL_CHANGED,
    account_data,
    school_changed_data,
)
from services.accounts.handlers.scope import (
    hidden,
    invalid,
    is_national,
    manages_teachers_of,
    sees_teachers_of,
)
from services.accounts.handlers.teacher_import import check_school, import_rows


def create_teacher(runtime: Runtime, principal: Principal, fields: dict[str, Any]) -> dict[str, Any]:
    report = import_rows(runtime, principal, [(1, fields)], only_new=True)
    [outcome] = report.rows
    if outcome.status == REJECTED:
        status = 403 if outcome.reason == "unit-outside-authority" else 422
        raise Problem(status, outcome.reason or "invalid-teacher", "The teacher was not created",
                      outcome.detail)
    return get_teacher(runtime, principal, uuid.UUID(outcome.account_id))


def _may_see(session: Session, principal: Principal, account: Account) -> bool:
    if is_national(principal):
        return True
    if principal.has_any_role("teacher") and principal.subject in (str(account.account_id),
                                                                    account.login):
        return True
    return sees_teachers_of(principal, current_school(session, account))


def current_school(session: Session, account: Account) -> Unit | None:
    return UnitRepository(session).get(account.unit_code or "", dates.today())


def teacher_in_scope(session: Session, principal: Principal, account_id: uuid.UUID,
                      for_update: bool = False) -> Account:
    account = AccountRepository(session).get(account_id, for_update=for_update)
    if account is None or account.kind != TEACHER or not _may_see(session, principal, account):
        raise hidden(f"teacher {account_id}")
    return account


def teacher_to_manage(session: Session, principal: Principal, account_id: uuid.UUID) -> Account:
    """A teacher the caller may change: the network's staff any, a reviewer those of the
    schools under its authority today. Seeing a teacher is not enough (the school's
    business accounts and the teacher see it too)."""
    account = teacher_in_scope(session, principal, account_id, for_update=True)
    if not manages_teachers_of(principal, current_school(session, account)):
        raise hidden(f"teacher {account_id}")
    return account


def get_teacher(runtime: Runtime, principal: Principal, account_id: uuid.UUID) -> dict[str, Any]:
    with runtime.database.session() as session:
        return _view(session, teacher_in_scope(session, principal, account_id))


def school_teachers(runtime: Runtime, principal: Principal, unit_code: str, limit: int = 100,
                    offset: int = 0) -> list[dict[str, Any]]:
    """A school's current teachers: for the school's own business accounts, the reviewers
    of its authority today, and the network's staff. Another's school is not found."""
    with runtime.database.session() as session:
        school = UnitRepository(session).get(unit_code, dates.today())
        if school is None or not sees_teachers_of(principal, school):
            raise hidden(f"unit {unit_code}")
        teachers = AccountRepository(session).teachers_at(unit_code, limit, offset)
    return [{**account_data(t), "school_since": t.school_since} for t in teachers]


def update_teacher(runtime: Runtime, principal: Principal, account_id: uuid.UUID,
                   changes: dict[str, Any]) -> dict[str, Any]:
    """Name, e-mail, or a move to another school from ``since`` (default today). A
    reviewer may change its own authority's teachers, and move them to its own schools."""
    today = dates.today()
    with runtime.database.session() as session:
        account = teacher_to_manage(session, principal, account_id)
        try:
            name = check_display_name(changes.get("display_name", account.display_name))
        except InvalidAccount as error:
            raise invalid("invalid-name", "The name is not valid", str(error)) from None
        school_code = changes.get("school_code", account.unit_code)
        found = UnitRepository(session).get(school_code, today) if school_code else None
        try:
            school = check_school(principal, found)
            change = change_for(known_teacher(account), name, changes.get("email"), school.code,
                                changes.get("since"), today,
                                clear_email="email" in changes and changes["email"] is None)
        except RowRejected as rejected:
            status = 403 if rejected.reason == "unit-outside-authority" else 422
            raise Problem(status, rejected.reason, "The change was refused", rejected.detail) from None
        if change is None:
            return _view(session, account)
        left = current_school(session, account) if change.moved else None
        changed = apply_change(runtime.outbox, session, account, change,
                               school.county_code)
        if change.moved:  # only the network's staff reach another authority's school here
            record_if_transfer(session, principal, account, change, left, school, BY_CHANGE,
                                None)
        return _view(session, changed)


def set_teacher_enabled(runtime: Runtime, principal: Principal, account_id: uuid.UUID,
                        enabled: bool) -> dict[str, Any]:
    """A teacher disabled (left the profession, an account taken over) or enabled again,
    by the reviewers of the school's authority or the network's staff. The sso service
    ends a disabled teacher's sessions at once; imports keep the status as it is."""
    with runtime.database.session() as session:
        account = teacher_to_manage(session, principal, account_id)
        try:
            changed = reenable_teacher(account) if enabled else disable(account)
        except InvalidTransition as error:
            raise conflict("invalid-transition", "Not possible in this state", str(error)) from None
        AccountRepository(session).update(changed, dates.now())
        runtime.outbox.record(session, ACCOUNT_UPDATED, account_data(changed))
        return _view(session, changed)


def apply_change(outbox: Outbox, session: Session, account: Account, change: TeacherChange,
                 county_code: str | None) -> Account:
    """Writes a teacher's change and records its events: updated, and moved if so."""
    changed = replace(account, display_name=change.display_name, email=change.email,
                      unit_code=change.unit_code, school_since=change.school_since,
                      county_code=county_code, version=change.version)
    repository = AccountRepository(session)
    repository.update(changed, dates.now())
    outbox.record(session, ACCOUNT_UPDATED, account_data(changed))
    if change.moved:
        repository.add_past_school(account.account_id, change.left_school,  # type: ignore[arg-type]  # a move has the school it left
                                   change.left_since, change.moved_on)
        outbox.record(session, SCHOOL_CHANGED, school_changed_data(
            str(changed.account_id), change.unit_code, change.moved_on,
            changed.version))
    return changed


def record_if_transfer(session: Session, principal: Principal, account: Account,
                        change: TeacherChange, left: Unit | None, joined: Unit, via: str,
                        reason: str | None) -> Transfer | None:
    """Records the move ``change`` made, when it crosses authorities (None otherwise)."""
    left_authority = left.authority_code if left else None
    if not crosses_authorities(left_authority, joined.authority_code):
        return None
    transfer = Transfer(uuid.uuid4(), account.account_id, account.unit_code, left_authority,
                        joined.code, joined.authority_code, change.moved_on,
                        via, principal.subject, dates.now(), reason)
    TransferLog(session).add([transfer])
    return transfer


def _view(session: Session, account: Account) -> dict[str, Any]:
    past = AccountRepository(session).past_schools(account.account_id)
    return {**account_data(account), "school_since": account.school_since,
            "past_schools": [{"unit_code": unit, "since": since, "until": until}
                             for unit, since, until in past]}


def known_teacher(account: Account) -> KnownTeacher:
    return KnownTeacher(str(account.account_id), account.login, account.status,
                        account.display_name, account.email, account.unit_code,
                        account.school_since, account.version)
