"""The demo seed of ``make up``: authorities, units with the Taichung transfer, the 2017-07
routing rule, 500 teachers with valid synthetic IDs, business accounts, one reviewer per
demo authority, one operator, the 2017 campaign. Fast, and a second run adds nothing."""
from __future__ import annotations

import time
from datetime import date

from accounts_helpers import outbox_count, outbox_events, work
from sqlalchemy import func, select

from contracts.events import CATALOGUE
from services.accounts import demo_data
from services.accounts.adapters.orm import accounts as accounts_table
from services.accounts.bootstrap import DEFINITION
from services.accounts.domain.national_id import validate
from services.accounts.handlers import campaigns, units


def test_the_demo_seed_is_complete_fast_and_idempotent(accounts) -> None:
    started = time.monotonic()
    DEFINITION.seed_demo(accounts)
    assert time.monotonic() - started < 10
    events = outbox_count(accounts)
    DEFINITION.seed_demo(accounts)
    assert outbox_count(accounts) == events
    with accounts.database.engine.connect() as connection:
        logins = dict(connection.execute(select(accounts_table.c.login, accounts_table.c.status)).all())
        teachers = connection.scalar(select(func.count()).select_from(accounts_table)
                                     .where(accounts_table.c.kind == "teacher"))
    assert teachers == 500
    assert {"teacher00001", "teacher00500", "operator", "reviewer-tpe", "reviewer-txg",
            "reviewer-tnn", "reviewer-k12ea", "biz-353301", "biz-ntnu", "biz-tpe-tsc"} <= set(logins)
    assert "teacher00501" not in logins
    assert logins["biz-353301"] == "enabled"
    assert all(validate(row["national_id"]) for row in demo_data.teacher_rows())
    assert {row["school_code"] for row in demo_data.teacher_rows()} == set(demo_data.SCHOOLS)
    assert units.reviewer_on(work(accounts), accounts.clock,
                             "193601", date(2016, 12, 31))["reviewing_authority_code"] == "K12EA"
    assert units.find_unit(work(accounts), accounts.clock, "193601").authority_code == "TXG"
    assert units.reviewer_on(work(accounts), accounts.clock,
                             "TNN-TTU", date(2017, 7, 1))["reviewing_authority_code"] == "TNN"
    report = campaigns.campaign_report(work(accounts), accounts.clock, "2017-teacher-data")
    assert report["confirmed"] == 9
    for event in outbox_events(accounts):
        CATALOGUE.validate_data(event["type"], event["data"])
    granted = {(e["data"]["role"], e["data"]["authority_code"], e["data"]["unit_code"])
               for e in outbox_events(accounts, "accounts.role.granted.v1")}
    assert ("reviewer", "K12EA", None) in granted and ("business", None, "NTNU") in granted
