"""R-ORG-3, R-ORG-4 across services: the courses service, from accounts' events alone,
answers who reviews a unit's courses on any day exactly as the accounts service does —
a batch transfer in the past, a transfer dated later (no event arrives on its day), and
routing rules that change on their dates. Events delivered twice change nothing."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from contracts.calendar import today
from servicekit.service import Runtime
from servicekit.testing.runtimes import relay_all
from services.accounts.bootstrap import DEFINITION as ACCOUNTS
from services.accounts.handlers import routing, units
from services.accounts.handlers.jurisdiction import transfer_units
from services.courses.bootstrap import DEFINITION as COURSES
from services.courses.handlers import units as course_units

TAICHUNG = ["190001", "190002", "190003"]
LATER = today() + timedelta(days=30)
DAYS = [date(2016, 12, 31), date(2017, 1, 1), date(2017, 6, 30), date(2017, 7, 1), today(),
        LATER - timedelta(days=1), LATER, date(2099, 1, 1)]


@pytest.fixture
def accounts(embedded) -> Runtime:
    return embedded(ACCOUNTS)


@pytest.fixture
def courses(embedded) -> Runtime:
    return embedded(COURSES)


def relay_and_apply(accounts: Runtime, courses: Runtime) -> int:
    """Every accounts event to the bus, then the courses consumer until the queue is empty."""
    relay_all(accounts)
    [subscription] = courses.subscriptions()
    reader, applied = courses.open_reader(subscription), 0
    try:
        while batch := reader.next_batch(200, 0.3):
            outcome = courses.consumer(subscription).process(reader, batch)
            assert outcome.dead_lettered == 0, outcome
            applied += outcome.applied
    finally:
        reader.close()
    return applied


def the_seeds_history(accounts: Runtime) -> None:
    for code in TAICHUNG:
        units.register_unit(accounts.components.unit_of_work(), accounts.clock,
                            code, f"國立臺中學校 {code}", "senior_high_school", "K12EA",
                            "TXG", jurisdiction_from=date(2003, 1, 1))
    units.register_unit(accounts.components.unit_of_work(), accounts.clock,
                        "TNN-TTU", "臺南市教師職業工會", "civic_group", "NETWORK", "TNN",
                        jurisdiction_from=date(2010, 1, 1))
    units.register_unit(accounts.components.unit_of_work(), accounts.clock,
                        "413601", "臺北市大安國小", "elementary_school", "TPE",
                        jurisdiction_from=date(2003, 1, 1))
    transfer_units(accounts.components.unit_of_work(), accounts.clock,
                   TAICHUNG, "TXG", date(2017, 1, 1), "臺教授國字第1050000000號")
    transfer_units(accounts.components.unit_of_work(), accounts.clock,
                   ["413601"], "NWT", LATER, "a transfer decided for next month")
    routing.change_routing(accounts.components.unit_of_work(), accounts.clock,
                           "civic_group", "unit_county", None, date(2017, 7, 1))
    routing.change_routing(accounts.components.unit_of_work(), accounts.clock,
                           "civic_group", "fixed", "NETWORK", date(2099, 1, 1))


def answers(runtime: Runtime, reviewer_on, code: str) -> list[tuple]:
    return [(day, found["supervising_authority_code"], found["reviewing_authority_code"],
             found["rule_id"]) for day in DAYS
            for found in [reviewer_on(runtime, code, day)]]


def accounts_reviewer(runtime: Runtime, code: str, day: date) -> dict:
    return units.reviewer_on(runtime.components.unit_of_work(), runtime.clock, code, day)


def test_courses_routes_every_unit_on_every_day_as_accounts_does(accounts, courses) -> None:
    the_seeds_history(accounts)
    assert relay_and_apply(accounts, courses) > 0
    for code in (*TAICHUNG, "TNN-TTU", "413601"):
        assert answers(courses, course_units.reviewer, code) == \
            answers(accounts, accounts_reviewer, code), code
    school = {day: supervising for day, supervising, _, _ in
              answers(courses, course_units.reviewer, "190002")}
    assert (school[date(2016, 12, 31)], school[date(2017, 1, 1)]) == ("K12EA", "TXG")
    moving = {day: supervising for day, supervising, _, _ in
              answers(courses, course_units.reviewer, "413601")}
    assert (moving[LATER - timedelta(days=1)], moving[LATER]) == ("TPE", "NWT")
    union = {day: reviewing for day, _, reviewing, _ in
             answers(courses, course_units.reviewer, "TNN-TTU")}
    assert (union[date(2017, 6, 30)], union[date(2017, 7, 1)], union[date(2099, 1, 1)]) == \
        ("NETWORK", "TNN", "NETWORK")


def test_the_same_events_again_change_nothing(accounts, courses) -> None:
    the_seeds_history(accounts)
    relay_and_apply(accounts, courses)
    before = answers(courses, course_units.reviewer, "413601")
    from sqlalchemy import update

    from servicekit.bus.tables import outbox
    with accounts.database.engine.begin() as connection:  # as if the relay had died unmarked
        connection.execute(update(outbox).values(sent_at=None))
    assert relay_and_apply(accounts, courses) == 0  # every one a duplicate, by the inbox
    assert answers(courses, course_units.reviewer, "413601") == before


def test_an_unknown_unit_is_not_found(courses) -> None:
    from servicekit.errors import NotFound
    from servicekit.problems import status_of
    with pytest.raises(NotFound) as missing:
        course_units.reviewer(courses, "NOPE", today())
    assert (missing.value.slug, status_of(missing.value)) == ("not-found", 404)


def test_the_handlers_keep_the_newest_and_never_duplicate_a_change(accounts, courses) -> None:
    """Past the inbox (an event re-sent under another id, an older version late): the
    replica keeps one row per change and the newest version of a unit and of a rule."""
    import json

    from servicekit.bus.tables import outbox
    from servicekit.events import Envelope
    the_seeds_history(accounts)
    relay_and_apply(accounts, courses)
    before = {code: answers(courses, course_units.reviewer, code) for code in TAICHUNG}
    with accounts.database.engine.connect() as connection:
        bodies = [json.loads(body) for body in connection.scalars(
            select(outbox.c.body).order_by(outbox.c.position))]
    load = courses.definition.catalogue.load_data
    [subscription] = courses.subscriptions()
    handlers = subscription.handlers
    with courses.database.session() as session:
        for body in [b for b in bodies if b["type"] in handlers]:
            envelope = Envelope.from_json(json.dumps(body))
            data = load(envelope)
            handlers[body["type"]](session, [(data, envelope)])
            older = {**data, "version": 0, "name": "older", "reviewer": "supervising_authority",
                     "fixed_authority_code": None}
            if body["type"] != "accounts.unit.jurisdiction_changed.v1":
                handlers[body["type"]](session, [(older, envelope)])
    assert {code: answers(courses, course_units.reviewer, code) for code in TAICHUNG} == before
    assert course_units.find_unit(courses, "190001")["name"] != "older"
    union = {day: reviewing for day, _, reviewing, _ in
             answers(courses, course_units.reviewer, "TNN-TTU")}
    assert union[date(2017, 7, 1)] == "TNN"  # the rule was not rolled back by version 0


def test_a_service_that_subscribes_later_gets_the_organisations_announced_again(embedded) -> None:
    """The history was told before courses listened (its events went nowhere); the
    accounts command announce-organisations tells it all again, and a second time changes
    nothing."""
    from services.accounts.handlers.announce import announce_organisations
    accounts = embedded(ACCOUNTS)
    the_seeds_history(accounts)
    relay_all(accounts)  # before courses listens: the events go nowhere
    courses = embedded(COURSES)
    assert course_units.find_unit(courses, "190001") is None
    assert announce_organisations(accounts.components.unit_of_work(), accounts.clock) == {
        "units": 5, "jurisdiction_changes": 4, "routing_rules": 2}
    relay_and_apply(accounts, courses)
    for code in (*TAICHUNG, "TNN-TTU", "413601"):
        assert answers(courses, course_units.reviewer, code) == \
            answers(accounts, accounts_reviewer, code), code
    announce_organisations(accounts.components.unit_of_work(), accounts.clock)
    before = answers(courses, course_units.reviewer, "413601")
    relay_and_apply(accounts, courses)
    assert answers(courses, course_units.reviewer, "413601") == before
