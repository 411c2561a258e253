"""The teachers replica (account id, name, e-mail, school, status) from the accounts
service's own events, end to end on the in-process bus: a teacher created, then renamed
and moved, reaches courses; staff and business accounts do not."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from servicekit.service import Runtime
from servicekit.testing.runtimes import relay_all
from servicekit.tokens import Principal
from services.accounts.bootstrap import DEFINITION as ACCOUNTS
from services.accounts.handlers import teachers, units
from services.courses.adapters.orm import teacher_replica
from services.courses.bootstrap import DEFINITION as COURSES

OPERATOR = Principal(subject="operator-1", roles=frozenset({"operator"}))


@pytest.fixture
def accounts(embedded) -> Runtime:
    return embedded(ACCOUNTS)


@pytest.fixture
def courses(embedded) -> Runtime:
    return embedded(COURSES)


def deliver(accounts: Runtime, courses: Runtime) -> None:
    relay_all(accounts)
    [subscription] = courses.subscriptions()
    reader = courses.open_reader(subscription)
    try:
        while batch := reader.next_batch(200, 0.3):
            assert courses.consumer(subscription).process(reader, batch).dead_lettered == 0
    finally:
        reader.close()


def replicated(courses: Runtime) -> list[tuple]:
    with courses.database.session() as session:
        return [(r.name, r.email, r.unit_code, r.status, r.version) for r in session.execute(
            select(teacher_replica).order_by(teacher_replica.c.name))]


def test_teachers_reach_courses_from_accounts_events(accounts, courses) -> None:
    from tests.accounts.accounts_helpers import teacher_id, vault, work
    units.register_unit(work(accounts), accounts.clock, "353301", "臺北市立建國高級中學",
                        "senior_high_school", "TPE", "TPE")
    units.register_unit(work(accounts), accounts.clock, "413601", "臺北市大安國小",
                        "elementary_school", "TPE", "TPE")
    made = teachers.create_teacher(work(accounts), accounts.clock, vault(accounts), OPERATOR, {
        "national_id": teacher_id(1), "name": "陳怡君", "school_code": "353301",
        "email": "chen@school.example", "since": date(2020, 8, 1)})
    deliver(accounts, courses)
    assert replicated(courses) == [("陳怡君", "chen@school.example", "353301", "enabled", 1)]
    import uuid
    teachers.update_teacher(work(accounts), accounts.clock, OPERATOR, uuid.UUID(str(made["account_id"])),
                            {"display_name": "陳怡均", "school_code": "413601"})
    deliver(accounts, courses)
    [(name, _email, school, _status, version)] = replicated(courses)
    assert (name, school) == ("陳怡均", "413601") and version > 1
