"""Use cases on one teacher (R-ACC-1) on an in-memory unit of work and a fixed clock: no
database, no broker. Who may see and change a teacher follows the teacher's CURRENT
school; what is refused says so with an application error (kind, slug) and changes
nothing; what is done commits once, with its events."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from accounts_fakes import VAULT, FakeAccountsUnitOfWork

from contracts.events.accounts import ACCOUNT_CREATED, ACCOUNT_UPDATED, TEACHER_SCHOOL_CHANGED
from servicekit.clock import FixedClock
from servicekit.errors import Conflict, Forbidden, Invalid, NotFound
from servicekit.problems import problem_of
from servicekit.tokens import Principal
from services.accounts.domain.transfers import BY_CHANGE
from services.accounts.handlers import teachers

# 01:00 on 4 December in Taipei: the day a move "from today" starts.
CLOCK_AT = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)
OPERATOR = Principal("operator-1", frozenset({"operator"}))


def reviewer(authority: str) -> Principal:
    return Principal(f"reviewer-{authority.lower()}", frozenset({"reviewer"}), authority=authority)


def business(unit: str) -> Principal:
    return Principal(f"business-{unit}", frozenset({"business"}), unit=unit)


@pytest.fixture
def uow() -> FakeAccountsUnitOfWork:
    uow = FakeAccountsUnitOfWork()
    uow.school("353301", "TPE")
    uow.school("413601", "TPE", unit_type="elementary_school")
    uow.school("193601", "TXG")
    uow.school("TPE-TSC", "TPE", unit_type="county_teacher_study_centre")
    return uow


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(CLOCK_AT)


def refused_alike(error: Exception, status: int, slug: str) -> None:
    """What the HTTP edge answers for it (its kind decides the status)."""
    problem = problem_of(error)  # type: ignore[arg-type]
    assert (problem.status, problem.type) == (status, f"urn:inservice:problem:{slug}")


def test_a_reviewer_renames_its_own_authoritys_teacher(uow, clock) -> None:
    teacher = uow.teacher("353301")
    view = teachers.update_teacher(uow, clock, reviewer("TPE"), teacher.account_id,
                                   {"display_name": "  王  小明 "})
    assert view["display_name"] == "王 小明" and view["version"] == 2
    assert uow.accounts.get(teacher.account_id).display_name == "王 小明"
    assert [e.type for e in uow.events] == [ACCOUNT_UPDATED] and uow.commits == 1
    assert uow.transfers.rows == []


@pytest.mark.parametrize("principal", [
    reviewer("TXG"),  # another authority's reviewer
    business("353301"),  # the school's business account sees, but does not change
    Principal("teacher-x", frozenset({"teacher"})),  # another teacher
    Principal("reviewer-none", frozenset({"reviewer"})),  # a reviewer's token without authority
], ids=["other-authority", "business", "other-teacher", "no-authority"])
def test_a_teacher_outside_the_callers_scope_is_not_found_and_unchanged(uow, clock,
                                                                        principal) -> None:
    teacher = uow.teacher("353301")
    with pytest.raises(NotFound) as refused:
        teachers.update_teacher(uow, clock, principal, teacher.account_id,
                                {"display_name": "改名"})
    assert refused.value.detail == f"no teacher {teacher.account_id}"
    refused_alike(refused.value, 404, "not-found")
    assert uow.accounts.get(teacher.account_id) == teacher
    assert (uow.events, uow.commits, uow.rollbacks) == ([], 0, 1)


def test_who_sees_a_teacher_is_wider_than_who_changes_one(uow, clock) -> None:
    teacher = uow.teacher("353301")
    for principal in (business("353301"), reviewer("TPE"), OPERATOR,
                      Principal(str(teacher.account_id), frozenset({"teacher"}))):
        assert teachers.get_teacher(uow, clock, principal, teacher.account_id)["login"] == \
            teacher.login
    for principal in (business("413601"), reviewer("TXG")):
        with pytest.raises(NotFound):
            teachers.get_teacher(uow, clock, principal, teacher.account_id)
    with pytest.raises(NotFound):  # not a teacher at all
        teachers.get_teacher(uow, clock, OPERATOR, uow.staff("boss").account_id)
    with pytest.raises(NotFound):
        teachers.get_teacher(uow, clock, OPERATOR, uuid.uuid4())


def test_a_reviewer_may_not_place_its_teacher_at_another_authoritys_school(uow, clock) -> None:
    teacher = uow.teacher("353301")
    with pytest.raises(Forbidden) as refused:
        teachers.update_teacher(uow, clock, reviewer("TPE"), teacher.account_id,
                                {"school_code": "193601"})
    assert refused.value.slug == "unit-outside-authority"
    assert refused.value.detail == "unit 193601 is not under the authority you act for"
    refused_alike(refused.value, 403, "unit-outside-authority")
    assert uow.events == [] and uow.accounts.get(teacher.account_id) == teacher


@pytest.mark.parametrize(("changes", "slug"), [
    ({"school_code": "TPE-TSC"}, "not-a-school"),
    ({"school_code": "999999"}, "unknown-unit"),
    ({"display_name": "   "}, "invalid-name"),
    ({"school_code": "413601", "since": date(2020, 8, 1)}, "move-before-current-assignment"),
])
def test_a_change_that_breaks_a_rule_is_invalid(uow, clock, changes, slug) -> None:
    teacher = uow.teacher("353301", since=date(2020, 8, 1))
    with pytest.raises(Invalid) as refused:
        teachers.update_teacher(uow, clock, reviewer("TPE"), teacher.account_id, changes)
    assert refused.value.slug == slug
    refused_alike(refused.value, 422, slug)
    assert uow.events == [] and uow.rollbacks == 1


def test_a_move_starts_on_the_clocks_day_in_taipei_and_reads_each_school_once(uow, clock) -> None:
    teacher = uow.teacher("353301", since=date(2020, 8, 1))
    uow.units.reads = 0
    view = teachers.update_teacher(uow, clock, reviewer("TPE"), teacher.account_id,
                                   {"school_code": "413601"})
    assert view["school_since"] == date(2026, 12, 4)  # 3 December in UTC
    assert view["past_schools"] == [{"unit_code": "353301", "since": date(2020, 8, 1),
                                     "until": date(2026, 12, 4)}]
    assert uow.units.reads == 2  # the current school (scope, and where the move is from), the new one
    assert [e.type for e in uow.events] == [ACCOUNT_UPDATED, TEACHER_SCHOOL_CHANGED]
    assert uow.recorded(TEACHER_SCHOOL_CHANGED)[0]["since"] == "2026-12-04"
    assert uow.transfers.rows == []  # within the authority: not a transfer


def test_the_networks_move_between_authorities_is_recorded_as_a_transfer(uow, clock) -> None:
    teacher = uow.teacher("353301")
    teachers.update_teacher(uow, clock, OPERATOR, teacher.account_id, {"school_code": "193601"})
    [transfer] = uow.transfers.rows
    assert (transfer.account_id, transfer.from_unit_code, transfer.from_authority_code,
            transfer.to_unit_code, transfer.to_authority_code, transfer.since, transfer.via,
            transfer.transferred_by, transfer.transferred_at) == (
        teacher.account_id, "353301", "TPE", "193601", "TXG", date(2026, 12, 4), BY_CHANGE,
        "operator-1", CLOCK_AT)
    assert uow.accounts.get(teacher.account_id).county_code == "TXG"


def test_disabling_twice_is_a_conflict(uow, clock) -> None:
    teacher = uow.teacher("353301")
    assert teachers.set_teacher_enabled(uow, clock, reviewer("TPE"), teacher.account_id,
                                        enabled=False)["status"] == "disabled"
    with pytest.raises(Conflict) as twice:
        teachers.set_teacher_enabled(uow, clock, reviewer("TPE"), teacher.account_id,
                                     enabled=False)
    refused_alike(twice.value, 409, "invalid-transition")
    assert [e.type for e in uow.events] == [ACCOUNT_UPDATED]
    with pytest.raises(NotFound):  # the school's business account may not
        teachers.set_teacher_enabled(uow, clock, business("353301"), teacher.account_id,
                                     enabled=True)


def row(school: str, number: str = "A123456789", name: str = "新教師") -> dict:
    return {"national_id": number, "name": name, "school_code": school}


def test_creating_a_teacher_by_hand(uow, clock) -> None:
    made = teachers.create_teacher(uow, clock, VAULT, reviewer("TPE"), row("353301"))
    assert (made["login"], made["unit_code"], made["school_since"]) == (
        "teacher00001", "353301", date(2026, 12, 4))
    assert [e.type for e in uow.events] == [ACCOUNT_CREATED]
    assert "national_id" not in uow.recorded(ACCOUNT_CREATED)[0]


@pytest.mark.parametrize(("fields", "kind", "status", "slug"), [
    (row("193601"), Forbidden, 403, "unit-outside-authority"),
    (row("TPE-TSC"), Invalid, 422, "not-a-school"),
    (row("353301", number="A123456788"), Invalid, 422, "invalid-national-id"),
    (row("353301", name=""), Invalid, 422, "invalid-name"),
])
def test_creating_a_teacher_refused(uow, clock, fields, kind, status, slug) -> None:
    with pytest.raises(kind) as refused:
        teachers.create_teacher(uow, clock, VAULT, reviewer("TPE"), fields)
    assert refused.value.slug == slug and refused.value.title == "The teacher was not created"
    refused_alike(refused.value, status, slug)
    assert uow.accounts.rows == {} and uow.events == []


def test_creating_a_known_teacher_names_them_only_to_who_may_see_them(uow, clock) -> None:
    known = teachers.create_teacher(uow, clock, VAULT, OPERATOR, row("193601"))
    for principal, named in ((OPERATOR, {"account_id": known["account_id"]}),
                             (reviewer("TPE"), {})):
        with pytest.raises(Conflict) as exists:
            teachers.create_teacher(uow, clock, VAULT, principal, row("353301"))
        assert exists.value.slug == "teacher-exists" and exists.value.facts == named
    assert len(uow.events) == 1
