"""R-SSO-4 through the real consumer: a county's profile fields update its own teachers;
a county cannot rename another county's teacher or move one outside the county."""
from __future__ import annotations

import uuid
from datetime import date

from accounts_helpers import (
    OPERATOR,
    deliver,
    outbox_events,
    schools,
    sso_event,
    teacher_id,
    vault,
    work,
)

from contracts.events.sso import COUNTY_PROFILE_RECEIVED as PROFILE
from services.accounts.handlers.teacher_import import import_rows
from services.accounts.handlers.teachers import get_teacher
from services.accounts.handlers.units import register_unit


def test_a_county_updates_its_own_teachers_and_nobody_else(accounts) -> None:
    schools(accounts)
    register_unit(work(accounts), accounts.clock, "413602", "臺北市大安區仁愛國民小學", "elementary_school", "TPE")
    report = import_rows(work(accounts), accounts.clock, vault(accounts), OPERATOR, enumerate([
        {"national_id": teacher_id(1), "name": "王小明", "school_code": "353301",
         "since": date(2015, 8, 1)},
        {"national_id": teacher_id(2), "name": "林美玲", "school_code": "193601"}], start=1))
    taipei, taichung = (row.account_id for row in report.rows)
    before = len(outbox_events(accounts))
    [outcome] = deliver(accounts, [
        sso_event(PROFILE, account_id=taipei, county_code="TPE", display_name="王曉明",
                  email="wang@tp.example", unit_code="413602"),
        sso_event(PROFILE, account_id=taichung, county_code="TPE", display_name="冒名"),
        sso_event(PROFILE, account_id=taipei, county_code="TPE", unit_code="193601"),
        sso_event(PROFILE, account_id=taipei, county_code="TPE", display_name="王曉明"),
    ])
    assert (outcome.applied, outcome.dead_lettered) == (4, 0)
    teacher = get_teacher(work(accounts), accounts.clock, OPERATOR, uuid.UUID(taipei))
    assert (teacher["display_name"], teacher["email"], teacher["unit_code"]) == (
        "王曉明", "wang@tp.example", "413602")
    assert teacher["past_schools"][0]["unit_code"] == "353301"
    other = get_teacher(work(accounts), accounts.clock, OPERATOR, uuid.UUID(taichung))
    assert other["display_name"] == "林美玲"
    events = outbox_events(accounts)[before:]
    assert [e["type"] for e in events] == ["accounts.account.updated.v1",
                                           "accounts.teacher.school_changed.v1"]
    assert events[0]["correlation_id"] == "sso-test-0001"  # the cause travels on


def test_a_county_cannot_take_another_countys_teacher_by_naming_its_own_school(accounts) -> None:
    """The import's hole through the county sign-on: a profile naming a school of the
    county for a teacher serving elsewhere renamed, re-mailed and moved them."""
    schools(accounts)
    [row] = import_rows(work(accounts), accounts.clock, vault(accounts), OPERATOR, [(1, {
        "national_id": teacher_id(2), "name": "林美玲", "school_code": "193601",
        "email": "lin@tc.example", "since": date(2015, 8, 1)})]).rows
    before = get_teacher(work(accounts), accounts.clock, OPERATOR, uuid.UUID(row.account_id))
    events = len(outbox_events(accounts))
    [outcome] = deliver(accounts, [sso_event(
        PROFILE, account_id=row.account_id, county_code="TPE", display_name="冒名",
        email="attacker@evil.example", unit_code="353301")])
    assert (outcome.applied, outcome.dead_lettered) == (1, 0)  # taken, and ignored
    assert get_teacher(work(accounts), accounts.clock, OPERATOR, uuid.UUID(row.account_id)) == before
    assert len(outbox_events(accounts)) == events


def test_a_move_to_a_national_school_in_the_county_is_recorded_as_a_transfer(accounts) -> None:
    from sqlalchemy import select

    from services.accounts.adapters.orm import teacher_transfers
    schools(accounts)
    register_unit(work(accounts), accounts.clock,
                  "330301", "國立臺灣師範大學附屬高級中學", "senior_high_school", "K12EA",
                  county_code="TPE")
    [row] = import_rows(work(accounts), accounts.clock, vault(accounts), OPERATOR, [(1, {
        "national_id": teacher_id(1), "name": "王小明", "school_code": "353301",
        "since": date(2015, 8, 1)})]).rows
    deliver(accounts, [sso_event(PROFILE, account_id=row.account_id, county_code="TPE",
                                 unit_code="330301")])
    assert get_teacher(work(accounts), accounts.clock, OPERATOR, uuid.UUID(row.account_id))["unit_code"] == "330301"
    with accounts.database.engine.connect() as connection:
        [recorded] = connection.execute(select(teacher_transfers)).mappings().all()
    assert (recorded["from_unit_code"], recorded["from_authority_code"], recorded["to_unit_code"],
            recorded["to_authority_code"], recorded["via"], recorded["transferred_by"]) == (
        "353301", "TPE", "330301", "K12EA", "county-profile", "county:TPE")
