"""A forged event is refused by the consumer even where the broker lets it through (issue
8, point 7; R-SSO-4). Every service may publish to the shared dead-letter exchange (its
consumers park messages there), so another service can slip a message into courses'
dead-letter queue, with an envelope that looks like accounts' own. When an operator
replays courses' dead letters, the consumer asks the broker who published it (the
``user_id`` RabbitMQ checked against the publishing connection, carried through the
dead-letter queue and the replay) and parks it again, with the reason, while accounts'
events keep flowing. Real PostgreSQL and RabbitMQ, each service on its own broker user."""
from __future__ import annotations

import json
from urllib.parse import unquote, urlsplit

import pika
import pytest

from servicekit.bus import access, topology
from servicekit.events import Envelope
from services.courses.handlers import units as course_units

from .conftest import Platform, wait_for
from .test_walking_skeleton import cli, register

# Services as processes on PostgreSQL and RabbitMQ.
pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.rabbitmq]


def user_of(url: str) -> str:
    return unquote(urlsplit(url).username or "")


def test_an_event_slipped_into_the_dead_letters_by_another_service_is_refused_on_replay(
        platform: Platform, broker_users) -> None:
    stats = broker_users("stats")
    forged = Envelope(type="accounts.unit.registered.v1", source="accounts", correlation_id="c-f",
                      data={"unit_code": "FORGED", "name": "冒名學校", "unit_type": "elementary_school",
                            "authority_code": "TPE", "version": 1})
    connection = pika.BlockingConnection(pika.URLParameters(stats))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish(topology.DEAD_LETTER_EXCHANGE, "courses.events", forged.to_json(),
                              pika.BasicProperties(
                                  message_id=forged.id, type=forged.type, delivery_mode=2,
                                  content_type="application/json", user_id=user_of(stats),
                                  # claiming accounts as the original publisher does not help
                                  headers={access.PUBLISHED_BY: user_of(broker_users("accounts"))}))
    finally:
        connection.close()
    register(platform, 5)
    platform.start("accounts", "relay")
    platform.start("courses", "consumer")
    wait_for(lambda: platform.replicated() == 5, 30, "5 units replicated", platform)

    assert json.loads(cli(platform, "courses", "dead-letters", "replay", "--all"))["replayed"] == 1

    def parked_again() -> list[dict]:
        return [json.loads(line) for line in
                cli(platform, "courses", "dead-letters", "list").splitlines()]
    wait_for(lambda: [row["reason"] for row in parked_again()] and
             parked_again()[0]["reason"].startswith("InvalidEvent: forged"), 30,
             "the forged event parked again", platform)
    [letter] = parked_again()
    assert letter["event_id"] == forged.id
    assert letter["reason"] == (
        f"InvalidEvent: forged: accounts.unit.registered.v1 must be published by broker user "
        f"'{user_of(platform.env['accounts']['BROKER_URL'])}', was published by '{user_of(stats)}'")
    assert course_units.find_unit(platform.courses, "FORGED") is None
    register(platform, 3, prefix="AFTER")  # and the genuine events still flow
    wait_for(lambda: platform.replicated() == 8, 30, "3 more units replicated", platform)
    assert platform.applied() == 8
