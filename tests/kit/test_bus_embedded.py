"""The bus rules on the embedded default (SQLite, in-process broker); the same rules on
real PostgreSQL and RabbitMQ, with processes killed, are in tests/bus."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from servicekit.bus.consumer import Subscription
from servicekit.bus.tables import inbox, outbox
from servicekit.errors import Conflict
from servicekit.events import Envelope
from servicekit.problems import problem_of
from services.accounts.handlers.units import register_unit
from services.courses.adapters.orm import unit_replica
from services.courses.handlers import replica
from services.courses.handlers import units as course_units


def count(runtime, table) -> int:
    with runtime.database.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(table))


def deliver(courses, subscription=None, rounds: int = 1):
    subscription = subscription or courses.subscriptions()[0]
    reader = courses.open_reader(subscription)
    outcomes = []
    try:
        for _ in range(rounds):
            batch = reader.next_batch(50, 0.3)
            if batch:
                outcomes.append(courses.consumer(subscription).process(reader, batch))
    finally:
        reader.close()
    return outcomes


def test_state_and_event_commit_together_and_a_refused_write_records_neither(accounts) -> None:
    register_unit(accounts.components.unit_of_work(), accounts.clock, "U1", "建國中學", "senior_high_school", "TPE")
    with pytest.raises(Conflict) as refused:
        register_unit(accounts.components.unit_of_work(), accounts.clock, "U1", "again", "senior_high_school", "TPE")
    assert refused.value.slug == "unit-exists" and problem_of(refused.value).status == 409
    assert count(accounts, outbox) == 1  # the refused write left no event behind


def test_an_event_reaches_the_other_service_once_even_when_sent_twice(accounts, courses) -> None:
    register_unit(accounts.components.unit_of_work(), accounts.clock, "U1", "建國中學", "senior_high_school", "TPE")
    with accounts.database.engine.begin() as connection:
        [body] = connection.scalars(select(outbox.c.body)).all()
    assert accounts.relay().relay_once() == 1
    assert accounts.relay().relay_once() == 0  # marked sent: not published again
    # The same event again, as a relay that died before marking it sent would send it.
    from servicekit.bus.publisher import KombuPublisher
    from servicekit.bus.transport import OutgoingMessage
    envelope = Envelope.from_json(body)
    publisher = KombuPublisher(accounts.settings.broker_url)
    publisher.publish_batch([OutgoingMessage(envelope.type, body.encode(), envelope.id,
                                             envelope.correlation_id)])
    publisher.close()
    [outcome] = deliver(courses)
    assert (outcome.applied, outcome.duplicates) == (1, 1)  # one claim, one copy skipped
    assert count(courses, inbox) == 1
    assert course_units.find_unit(courses, "U1")["name"] == "建國中學"


def test_the_correlation_id_of_the_write_travels_with_its_event(accounts) -> None:
    from servicekit import context
    with context.correlation("req-0123456789"):
        register_unit(accounts.components.unit_of_work(), accounts.clock, "U1", "建國中學", "senior_high_school", "TPE")
    with accounts.database.engine.connect() as connection:
        [body] = connection.scalars(select(outbox.c.body)).all()
    assert json.loads(body)["correlation_id"] == "req-0123456789"


def test_a_failing_handler_is_retried_to_the_limit_then_parked_while_the_rest_commit(accounts, courses) -> None:
    def fail_on_bad(session, data, envelope):
        if data["unit_code"] == "BAD":
            raise ValueError("no such authority")
        replica.apply_units(session, [(data, envelope)])

    real = courses.subscriptions()[0]
    flaky = Subscription(real.queue, dict.fromkeys(real.handlers, fail_on_bad))
    for code in ("A1", "BAD", "A2"):
        register_unit(accounts.components.unit_of_work(), accounts.clock,
                      code, f"學校 {code}", "elementary_school", "TPE")
    accounts.relay().relay_once()
    outcomes = deliver(courses, flaky, rounds=4)
    assert [(o.applied, o.requeued, o.dead_lettered) for o in outcomes] == [
        (2, 1, 0), (0, 1, 0), (0, 0, 1)]  # DELIVERY_LIMIT=3
    assert count(courses, unit_replica) == 2
    transport = courses.transport()
    [letter] = transport.dead_letters(real.queue)
    assert letter.reason == "ValueError: no such authority" and letter.attempts == 3
    assert transport.dead_letters(real.queue) == [letter]  # listing does not consume
    assert transport.replay(real.queue) == 1
    transport.close()
    [outcome] = deliver(courses)  # the real handler now: applied once
    assert outcome.applied == 1 and course_units.find_unit(courses, "BAD") is not None


def test_a_message_that_is_no_valid_event_is_parked_at_once(courses) -> None:
    from servicekit.bus.publisher import KombuPublisher
    from servicekit.bus.transport import OutgoingMessage
    publisher = KombuPublisher(courses.settings.broker_url)
    publisher.publish_batch([
        OutgoingMessage("accounts.unit.registered.v1", b'{"not": "an envelope"}', "m-1", "c-1"),
        OutgoingMessage("accounts.unit.registered.v1", Envelope(
            type="accounts.unit.registered.v1", source="accounts", correlation_id="c-2",
            data={"unit_code": "U1"}).to_json(), "m-2", "c-2"),  # data breaks the contract
    ])
    publisher.close()
    [outcome] = deliver(courses)
    assert outcome.dead_lettered == 2 and outcome.applied == 0
    transport = courses.transport()
    reasons = sorted(letter.reason for letter in transport.dead_letters(courses.subscriptions()[0].queue))
    transport.close()
    assert reasons[0].startswith("InvalidEvent: accounts.unit.registered.v1: {")
    assert reasons[1].startswith("InvalidEvent: not a valid envelope")


def test_an_older_version_arriving_late_does_not_overwrite_a_newer_one(courses) -> None:
    event = lambda version, name: Envelope(  # noqa: E731
        type="accounts.unit.registered.v1", source="accounts", correlation_id="c",
        data={"unit_code": "U1", "name": name, "unit_type": "elementary_school",
              "authority_code": "TPE", "version": version})
    with courses.database.session() as session:
        for envelope in (event(2, "new name"), event(1, "old name")):
            replica.apply_units(session, [(courses.definition.catalogue.load_data(envelope), envelope)])
    assert course_units.find_unit(courses, "U1")["name"] == "new name"


def test_an_event_breaking_its_contract_fails_the_write_that_made_it(accounts) -> None:
    from servicekit.events import InvalidEvent
    with pytest.raises(InvalidEvent):
        with accounts.database.session() as session:
            accounts.outbox.record(session, "accounts.unit.registered.v1", {"unit_code": "U1"})
    assert count(accounts, outbox) == 0


def test_batched_handlers_get_runs_of_one_type_in_queue_order(accounts, courses) -> None:
    from servicekit.bus.consumer import batched
    seen: list[tuple[str, list[str]]] = []

    def recorder(event_type):
        @batched
        def handle(session, events):
            seen.append((event_type, [data["unit_code"] for data, _ in events]))
        return handle

    types = ("accounts.unit.registered.v1", "accounts.unit.updated.v1")
    subscription = Subscription(courses.queue("events", *types),
                                {event_type: recorder(event_type) for event_type in types})
    courses.transport().declare_queue(subscription.queue)
    unit = {"name": "學校", "unit_type": "elementary_school", "authority_code": "TPE"}
    with accounts.database.session() as session:
        for event_type, code, version in ((types[0], "A", 1), (types[0], "B", 1),
                                          (types[1], "A", 2), (types[0], "C", 1)):
            accounts.outbox.record(session, event_type, {**unit, "unit_code": code,
                                                         "version": version})
    accounts.relay().relay_once()
    deliver(courses, subscription)
    assert seen == [(types[0], ["A", "B"]), (types[1], ["A"]), (types[0], ["C"])]
