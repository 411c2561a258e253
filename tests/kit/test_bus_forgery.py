"""Events cannot be forged by another service (issue 8, point 7; R-SSO-4: sso mints roles
from accounts' events): an envelope whose ``source`` is not the producer its type names is
parked in the dead-letter queue with the reason, and the valid events keep flowing. On the
embedded default; the broker's own checks (users, topic permissions, ``user_id``) are in
tests/bus/test_broker_access.py."""
from __future__ import annotations

from servicekit.bus.publisher import KombuPublisher
from servicekit.bus.transport import OutgoingMessage
from servicekit.events import Envelope
from services.accounts.handlers.units import register_unit
from services.courses.handlers import units as course_units


def deliver(courses):
    subscription = courses.subscriptions()[0]
    reader = courses.open_reader(subscription)
    try:
        return [courses.consumer(subscription).process(reader, reader.next_batch(50, 0.3))]
    finally:
        reader.close()


def unit_event(code: str, source: str) -> Envelope:
    return Envelope(type="accounts.unit.registered.v1", source=source, correlation_id="c-f",
                    data={"unit_code": code, "name": "冒名學校", "unit_type": "elementary_school",
                          "authority_code": "TPE", "version": 1})


def test_an_envelope_from_another_source_is_parked_while_valid_events_flow(accounts, courses) -> None:
    register_unit(accounts.components.unit_of_work(), accounts.clock, "U1", "建國中學", "senior_high_school", "TPE")
    accounts.relay().relay_once()
    forged = unit_event("FORGED", source="stats")
    publisher = KombuPublisher(courses.settings.broker_url)
    publisher.publish_batch([OutgoingMessage(forged.type, forged.to_json(), forged.id, "c-f")])
    publisher.close()
    register_unit(accounts.components.unit_of_work(), accounts.clock, "U2", "北一女中", "senior_high_school", "TPE")
    accounts.relay().relay_once()

    [outcome] = deliver(courses)
    assert (outcome.applied, outcome.dead_lettered) == (2, 1)
    assert course_units.find_unit(courses, "FORGED") is None
    assert course_units.find_unit(courses, "U2")["name"] == "北一女中"
    transport = courses.transport()
    [letter] = transport.dead_letters(courses.subscriptions()[0].queue)
    transport.close()
    assert letter.event_id == forged.id
    assert letter.reason == ("InvalidEvent: forged: accounts.unit.registered.v1 is produced by "
                             "'accounts', the envelope names 'stats'")
    assert letter.attempts == 1  # parked at once: retrying cannot make it genuine
