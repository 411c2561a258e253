"""Stats' consumer on the in-process bus (issue 13, item 1 and "Bad input"): the events of
accounts, courses, transfer and sso reach the figures through the inbox, each once however
often it is delivered; an event stats cannot apply (an enrolment in a course it does not
know) is retried, then parked in the dead-letter queue with the reason, while the others
flow; replayed after the producer re-announced the course, it counts."""
from __future__ import annotations

import uuid

from stats_support import Stats, envelope, unit, values

from contracts.events.courses import COURSE_REGISTERED, ENROLMENT_RECORDED
from servicekit.bus.publisher import KombuPublisher
from servicekit.bus.transport import OutgoingMessage
from servicekit.events import Envelope

COURSE = str(uuid.UUID(int=7))


def publish(stats: Stats, *envelopes: Envelope) -> None:
    publisher = KombuPublisher(stats.runtime.settings.broker_url)
    publisher.publish_batch([OutgoingMessage(item.type, item.to_json(), item.id,
                                             item.correlation_id) for item in envelopes])
    publisher.close()


def consume(stats: Stats, rounds: int = 1) -> list:
    [subscription] = stats.runtime.subscriptions()
    reader = stats.runtime.open_reader(subscription)
    outcomes = []
    try:
        for _ in range(rounds):
            if batch := reader.next_batch(100, 0.3):
                outcomes.append(stats.runtime.consumer(subscription).process(reader, batch))
    finally:
        reader.close()
    return outcomes


def enrolment(at: str) -> Envelope:
    return envelope(ENROLMENT_RECORDED, {"enrolment_id": str(uuid.uuid4()), "course_id": COURSE,
                                         "account_id": str(uuid.UUID(int=5)), "at": at,
                                         "status": "enrolled", "arrival": 1})


def test_an_event_stats_cannot_apply_is_parked_with_the_reason_while_the_rest_flow(
        stats: Stats) -> None:
    registered = envelope(COURSE_REGISTERED, {
        "course_id": COURSE, "code": "C7", "unit_code": "353301", "title": "研習",
        "starts_on": "2017-05-10", "registered_at": "2017-04-01T02:00:00+00:00", "version": 1})
    early = enrolment("2017-04-03T02:00:00+00:00")
    publish(stats, envelope(*unit("353301", "TPE", "TPE")), early,
            enrolment("2017-04-04T02:00:00+00:00"))
    outcomes = consume(stats, rounds=6)
    assert sum(o.applied for o in outcomes) == 1  # the unit
    assert sum(o.dead_lettered for o in outcomes) == 2
    transport = stats.runtime.transport()
    [subscription] = stats.runtime.subscriptions()
    letters = transport.dead_letters(subscription.queue)
    assert len(letters) == 2
    assert all(letter.reason.startswith(f"CannotApply: unknown course {COURSE}")
               for letter in letters)
    publish(stats, registered, registered)  # the producer's re-announce; twice, counted once
    assert sum(o.applied for o in consume(stats)) == 1
    assert transport.replay(subscription.queue) == 2
    transport.close()
    assert sum(o.applied for o in consume(stats)) == 2
    publish(stats, early)  # delivered again: the inbox knows it
    assert [o.duplicates for o in consume(stats)] == [1]
    report = stats.report("/reports/enrolments?from=2017-01&to=2017-06")
    assert values(report, "enrolments") == {"2017-04": 2}
    assert values(stats.report("/reports/courses-registered?from=2017-01&to=2017-06"),
                  "courses_registered") == {"2017-04": 1}
