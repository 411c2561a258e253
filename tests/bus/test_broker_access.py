"""Events cannot be forged by another service (issue 8, point 7; R-SSO-4: sso mints roles
from accounts' events). Each service has its own RabbitMQ user with the rights of
``servicekit.bus.access``; the broker refuses what they do not allow with ACCESS_REFUSED
(403), and a consumer refuses an event its producer's user did not publish. Real RabbitMQ,
one vhost and one set of users per test."""
from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pika
import pytest
from pika.exceptions import ChannelClosedByBroker

from servicekit.bus import topology
from servicekit.bus.publisher import PublishFailed, open_publisher
from servicekit.bus.topology import QueueSpec
from servicekit.bus.transport import OutgoingMessage, Transport
from servicekit.events import Envelope

pytestmark = pytest.mark.rabbitmq

ACCESS_REFUSED = 403
PRECONDITION_FAILED = 406


def event(event_type: str, source: str) -> OutgoingMessage:
    envelope = Envelope(type=event_type, source=source, correlation_id="c-1", data={})
    return OutgoingMessage(event_type, envelope.to_json(), envelope.id, "c-1")


def refusal(url: str, act) -> ChannelClosedByBroker:  # type: ignore[no-untyped-def]
    """What the broker answers when ``act(channel)`` is not allowed."""
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        with pytest.raises(ChannelClosedByBroker) as closed:
            act(channel)
        return closed.value
    finally:
        connection.close()


def declare_queue(url: str, spec: QueueSpec) -> None:
    transport = Transport(url)
    try:
        transport.declare_queue(spec)
    finally:
        transport.close()


def test_a_service_may_publish_its_own_events_and_no_others(broker_users) -> None:  # type: ignore[no-untyped-def]
    stats = broker_users("stats")
    publisher = open_publisher(stats)
    try:
        publisher.publish_batch([event("stats.report.made.v1", "stats")])  # confirmed
    finally:
        publisher.close()
    publisher = open_publisher(stats)
    try:
        with pytest.raises(PublishFailed, match="ACCESS_REFUSED"):
            publisher.publish_batch([event("accounts.role.granted.v1", "accounts")])
    finally:
        publisher.close()
    # The same on a bare channel: 403, naming the routing key that was refused.
    refused = refusal(stats, lambda channel: channel.basic_publish(
        topology.EVENTS_EXCHANGE, "accounts.role.granted.v1", b"{}"))
    assert refused.reply_code == ACCESS_REFUSED
    assert "accounts.role.granted.v1" in refused.reply_text


def test_a_service_cannot_reach_another_services_queue_by_another_way(broker_users) -> None:  # type: ignore[no-untyped-def]
    sso, stats = broker_users("sso"), broker_users("stats")
    declare_queue(sso, QueueSpec("sso", "events", ("accounts.#",), 3))
    # Not through the default exchange, which routes to any queue by its name…
    assert refusal(stats, lambda channel: channel.basic_publish(
        "", "sso.events", b"{}")).reply_code == ACCESS_REFUSED
    # …nor through sso's replay exchange.
    assert refusal(stats, lambda channel: channel.basic_publish(
        "sso.replay", "sso.events", b"{}")).reply_code == ACCESS_REFUSED
    # It may not name another user as publisher: the broker checks user_id.
    refused = refusal(stats, lambda channel: channel.basic_publish(
        topology.EVENTS_EXCHANGE, "stats.report.made.v1", b"{}",
        pika.BasicProperties(user_id=unquote(urlsplit(broker_users("accounts")).username))))
    assert refused.reply_code == PRECONDITION_FAILED
    # It may not read sso's queue, nor its dead letters, nor bind a queue of its own
    # name to sso's, nor declare a queue in sso's name.
    assert refusal(stats, lambda channel: channel.basic_get("sso.events")).reply_code == ACCESS_REFUSED
    assert refusal(stats, lambda channel: channel.basic_get(
        "sso.events.dead-letter")).reply_code == ACCESS_REFUSED
    assert refusal(stats, lambda channel: channel.queue_declare(
        "sso.stolen", durable=True)).reply_code == ACCESS_REFUSED
    assert refusal(stats, lambda channel: channel.queue_bind(
        "sso.events", topology.EVENTS_EXCHANGE, "stats.#")).reply_code == ACCESS_REFUSED
    # Nor delete or redeclare the shared exchange (as a direct one, topic permissions
    # would no longer apply).
    assert refusal(stats, lambda channel: channel.exchange_delete(
        topology.EVENTS_EXCHANGE)).reply_code == ACCESS_REFUSED
    # Its own queue it may declare, read and bind.
    declare_queue(stats, QueueSpec("stats", "events", ("accounts.#", "sso.#"), 3))
    connection = pika.BlockingConnection(pika.URLParameters(stats))
    try:
        assert connection.channel().basic_get("stats.events") == (None, None, None)
    finally:
        connection.close()
