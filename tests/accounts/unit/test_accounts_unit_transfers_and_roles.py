"""Transfers between authorities (R-ACC-1) and role grants on an in-memory unit of work
and a fixed clock: no database, no broker."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from accounts_fakes import FakeAccountsUnitOfWork

from contracts.events.accounts import (
    ACCOUNT_CREATED,
    ACCOUNT_UPDATED,
    ROLE_GRANTED,
    ROLE_REVOKED,
    TEACHER_SCHOOL_CHANGED,
)
from servicekit.clock import FixedClock
from servicekit.errors import Conflict, Forbidden, Invalid, NotFound
from servicekit.problems import problem_of
from servicekit.tokens import Principal
from services.accounts.domain.transfers import BY_TRANSFER
from services.accounts.handlers import roles, transfers

CLOCK_AT = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
OPERATOR = Principal("operator-1", frozenset({"operator"}))
ADMIN = Principal("admin-1", frozenset({"admin"}))
REASON = "the teacher moved to Taichung with the family"


def reviewer(authority: str) -> Principal:
    return Principal(f"reviewer-{authority.lower()}", frozenset({"reviewer"}), authority=authority)


@pytest.fixture
def uow() -> FakeAccountsUnitOfWork:
    uow = FakeAccountsUnitOfWork()
    uow.school("353301", "TPE")
    uow.school("413601", "TPE")
    uow.school("193601", "TXG")
    return uow


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(CLOCK_AT)


def test_the_teachers_authority_transfers_them_with_a_reason(uow, clock) -> None:
    teacher = uow.teacher("353301")
    made = transfers.transfer_teacher(uow, clock, reviewer("TPE"), teacher.account_id, "193601",
                                      date(2027, 2, 1), f"  {REASON}  ")
    assert {k: made[k] for k in ("from_unit_code", "from_authority_code", "to_unit_code",
                                 "to_authority_code", "since", "via", "transferred_by",
                                 "transferred_at", "reason")} == {
        "from_unit_code": "353301", "from_authority_code": "TPE", "to_unit_code": "193601",
        "to_authority_code": "TXG", "since": date(2027, 2, 1), "via": BY_TRANSFER,
        "transferred_by": "reviewer-tpe", "transferred_at": CLOCK_AT, "reason": REASON}
    assert uow.transfers.of_teacher(teacher.account_id)[0].transfer_id == made["transfer_id"]
    assert [e.type for e in uow.events] == [ACCOUNT_UPDATED, TEACHER_SCHOOL_CHANGED]
    moved = uow.accounts.get(teacher.account_id)
    assert (moved.unit_code, moved.school_since, moved.county_code) == ("193601", date(2027, 2, 1),
                                                                        "TXG")
    # whoever may see the teacher sees the move: the teacher, the new authority
    for principal in (Principal(str(teacher.account_id), frozenset({"teacher"})), reviewer("TXG")):
        [seen] = transfers.teacher_transfers(uow, clock, principal, teacher.account_id)
        assert seen["reason"] == REASON


def test_the_receiving_authority_alone_cannot_take_a_teacher(uow, clock) -> None:
    teacher = uow.teacher("353301")
    with pytest.raises(NotFound):
        transfers.transfer_teacher(uow, clock, reviewer("TXG"), teacher.account_id, "193601",
                                   None, REASON)
    assert uow.transfers.rows == [] and uow.events == []


@pytest.mark.parametrize(("school", "reason", "slug"), [
    ("413601", REASON, "not-a-transfer"),  # within the authority: a change, not a transfer
    ("193601", "moved", "reason-required"),  # fewer than ten characters
    ("999999", REASON, "unknown-unit"),
])
def test_a_transfer_that_breaks_a_rule_is_invalid_and_changes_nothing(uow, clock, school,
                                                                       reason, slug) -> None:
    teacher = uow.teacher("353301")
    with pytest.raises(Invalid) as refused:
        transfers.transfer_teacher(uow, clock, OPERATOR, teacher.account_id, school, None, reason)
    assert refused.value.slug == slug
    assert problem_of(refused.value).status == 422
    assert uow.transfers.rows == [] and uow.events == []
    assert uow.accounts.get(teacher.account_id) == teacher


def test_a_grant_is_recorded_once_with_its_scope_and_revoked_once(uow, clock) -> None:
    staff = uow.staff("chen.reviewer")
    grant = roles.grant_role(uow, clock, OPERATOR, staff.account_id, "reviewer",
                             authority_code="TPE")
    assert (grant.role, grant.authority_code, grant.granted_at, grant.granted_by) == (
        "reviewer", "TPE", CLOCK_AT, "operator-1")
    assert uow.recorded(ROLE_GRANTED)[0]["authority_code"] == "TPE"
    with pytest.raises(Conflict) as again:
        roles.grant_role(uow, clock, OPERATOR, staff.account_id, "reviewer", authority_code="TPE")
    assert again.value.slug == "role-already-granted"
    clock.advance(hours=1)
    revoked = roles.revoke_role(uow, clock, OPERATOR, staff.account_id, grant.grant_id)
    assert (revoked.revoked_at, revoked.revoked_by, revoked.version) == (
        datetime(2026, 12, 3, 3, 0, tzinfo=UTC), "operator-1", 2)
    with pytest.raises(Conflict) as twice:
        roles.revoke_role(uow, clock, OPERATOR, staff.account_id, grant.grant_id)
    assert twice.value.slug == "grant-revoked"
    assert [e.type for e in uow.events] == [ROLE_GRANTED, ROLE_REVOKED]
    assert roles.list_grants(uow, staff.account_id) == [revoked]


@pytest.mark.parametrize(("role", "unit", "authority", "slug"), [
    ("reviewer", None, None, "invalid-grant"),  # a reviewer needs its authority
    ("business", None, None, "invalid-grant"),  # a business account needs its unit
    ("viewer", None, "TPE", "invalid-grant"),  # a viewer takes none
    ("teacher", None, None, "invalid-grant"),  # comes with a teacher account
    ("business", "999999", None, "unknown-unit"),
    ("reviewer", None, "NOPE", "unknown-authority"),
])
def test_a_grant_with_the_wrong_scope_is_invalid(uow, clock, role, unit, authority, slug) -> None:
    staff = uow.staff("someone")
    with pytest.raises(Invalid) as refused:
        roles.grant_role(uow, clock, OPERATOR, staff.account_id, role, unit, authority)
    assert refused.value.slug == slug and problem_of(refused.value).status == 422
    assert uow.events == []


def test_only_an_admin_grants_operator_and_admin(uow, clock) -> None:
    staff = uow.staff("someone")
    for role in ("operator", "admin"):
        with pytest.raises(Forbidden) as refused:
            roles.grant_role(uow, clock, OPERATOR, staff.account_id, role)
        assert problem_of(refused.value).status == 403
    assert roles.grant_role(uow, clock, ADMIN, staff.account_id, "operator").role == "operator"
    with pytest.raises(Forbidden):  # nor revokes them
        roles.revoke_role(uow, clock, OPERATOR, staff.account_id,
                          roles.list_grants(uow, staff.account_id)[0].grant_id)


def test_a_teacher_account_takes_only_the_viewer_role(uow, clock) -> None:
    teacher = uow.teacher("353301")
    with pytest.raises(Invalid) as refused:
        roles.grant_role(uow, clock, OPERATOR, teacher.account_id, "business", "353301")
    assert refused.value.detail == "a teacher account takes no staff or business role"
    assert roles.grant_role(uow, clock, OPERATOR, teacher.account_id, "viewer").role == "viewer"


def test_unknown_accounts_and_grants_are_not_found(uow, clock) -> None:
    import uuid
    with pytest.raises(NotFound):
        roles.grant_role(uow, clock, OPERATOR, uuid.uuid4(), "viewer")
    with pytest.raises(NotFound):
        roles.revoke_role(uow, clock, OPERATOR, uow.staff("x1").account_id, uuid.uuid4())
    with pytest.raises(NotFound) as unknown:
        roles.find_account(uow, Principal("nobody", frozenset({"viewer"})))
    assert unknown.value.slug == "unknown-account"


def test_a_staff_account_is_made_enabled_with_its_role(uow, clock) -> None:
    account = roles.create_staff(uow, clock, OPERATOR, "Chen.Reviewer", " 陳 審核 ", None,
                                 "reviewer", "TPE")
    assert (account.login, account.display_name, account.status, account.approved_at) == (
        "chen.reviewer", "陳 審核", "enabled", CLOCK_AT)
    assert [e.type for e in uow.events] == [ACCOUNT_CREATED, ROLE_GRANTED]
    with pytest.raises(Conflict) as taken:
        roles.create_staff(uow, clock, OPERATOR, "chen.reviewer", "又一個", None, "viewer")
    assert taken.value.slug == "login-taken" and len(uow.events) == 2
