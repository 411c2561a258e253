"""The broker, seen through kombu: RabbitMQ over AMQP in production, kombu's in-process
``memory://`` transport in the embedded default. Declaring, consuming, dead letters.

Publishing from the relay goes through ``publisher.open_publisher``: on AMQP a pika
publisher that pipelines confirms (kombu's ``confirm_publish`` waits for each message).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import kombu
from kombu import Exchange, Queue, binding

from servicekit.bus import access, topology
from servicekit.bus.topology import QueueSpec

FAILURE_HEADERS = ("x-failure-reason", "x-failed-consumer", "x-failed-at", "x-delivery-attempts")


@dataclass(frozen=True)
class OutgoingMessage:
    routing_key: str
    body: bytes
    message_id: str
    correlation_id: str
    headers: dict[str, Any] = field(default_factory=dict)


@dataclass
class Delivery:
    body: bytes
    headers: dict[str, Any]
    properties: dict[str, Any]  # message_id, correlation_id, type, user_id
    tag: int
    # Deliveries before this one: RabbitMQ's quorum queues count them in x-delivery-count;
    # the in-process reader keeps its own count.
    previous_deliveries: int = 0
    handle: Any = None  # the reader's own message object


@dataclass(frozen=True)
class DeadLetter:
    event_id: str
    event_type: str
    reason: str
    failed_at: str
    attempts: int
    body: bytes


def events_exchange(no_declare: bool = False) -> Exchange:
    return Exchange(topology.EVENTS_EXCHANGE, type="topic", durable=True,
                    arguments=topology.EVENTS_EXCHANGE_ARGUMENTS, no_declare=no_declare)


def _dead_letter_exchange(no_declare: bool = False) -> Exchange:
    return Exchange(topology.DEAD_LETTER_EXCHANGE, type="direct", durable=True,
                    no_declare=no_declare)


def _replay_exchange(spec: QueueSpec) -> Exchange:
    return Exchange(spec.replay_exchange, type="direct", durable=True)


def _unrouted_exchange() -> Exchange:
    return Exchange(topology.UNROUTED_EXCHANGE, type="fanout", durable=True)


class Transport:
    def __init__(self, url: str) -> None:
        self.url = url
        self.is_amqp = url.startswith(("amqp://", "amqps://"))
        options = {} if self.is_amqp else {"polling_interval": 0.01}
        self.connection = kombu.Connection(url, transport_options=options,
                                           connect_timeout=2, heartbeat=30 if self.is_amqp else 0)
        self._memory_redeliveries: dict[tuple[str, str], int] = {}
        self.user = access.connection_user(url)

    # -- topology -------------------------------------------------------------------
    def declare_exchanges(self) -> None:
        """The shared exchanges, declared only if one is missing: a service's own user may
        not configure them (``servicekit.bus.access``), so on a platform whose broker
        setup declared them it only finds them there."""
        if self._shared_exchanges_exist():
            return
        channel = self.connection.default_channel
        for exchange in (_unrouted_exchange(), events_exchange(), _dead_letter_exchange()):
            exchange(channel).declare()
        Queue(topology.UNROUTED_QUEUE, _unrouted_exchange(), durable=True,
              queue_arguments=topology.QUORUM)(channel).declare()

    def _shared_exchanges_exist(self) -> bool:
        channel = self.connection.channel()  # a missing name closes it: not the default one
        try:
            for exchange in (_unrouted_exchange(), events_exchange(), _dead_letter_exchange()):
                channel.exchange_declare(exchange=exchange.name, type=exchange.type,
                                         durable=True, passive=True)
            channel.queue_declare(queue=topology.UNROUTED_QUEUE, passive=True)
            return True
        except self.connection.channel_errors:
            return False
        finally:
            try:
                channel.close()
            except Exception:  # already closed by the broker
                pass

    def declare_queue(self, spec: QueueSpec) -> None:
        self.declare_exchanges()
        channel = self.connection.default_channel
        _replay_exchange(spec)(channel).declare()
        self.queue(spec)(channel).declare()
        Queue(spec.dead_letter_queue, _dead_letter_exchange(no_declare=True),
              routing_key=spec.name, durable=True,
              queue_arguments=topology.QUORUM)(channel).declare()

    def queue(self, spec: QueueSpec) -> Queue:
        bindings = [binding(events_exchange(no_declare=True), routing_key=key)
                    for key in spec.binding_keys]
        bindings.append(binding(_replay_exchange(spec), routing_key=spec.name))
        return Queue(spec.name, durable=True, queue_arguments=spec.arguments,
                     bindings=bindings)

    def ping(self) -> None:
        self.connection.ensure_connection(max_retries=1, timeout=2)

    def close(self) -> None:
        self.connection.release()

    # -- consuming ------------------------------------------------------------------
    def reader(self, spec: QueueSpec, prefetch: int, owns_transport: bool = False):  # type: ignore[no-untyped-def]
        """A QueueReader: pika on AMQP (py-amqp's frame reading was a third of a consumer's
        time), kombu for the in-process transport."""
        from servicekit.bus import readers
        if self.is_amqp:
            return readers.PikaQueueReader(self, spec, prefetch, owns_transport)
        return readers.KombuQueueReader(self, spec, prefetch, owns_transport)

    # -- dead letters ---------------------------------------------------------------
    def dead_letter(self, spec: QueueSpec, delivery: Delivery, reason: str, attempts: int) -> None:
        """Park a message that keeps failing, with why, then let go of the original."""
        headers = dict(delivery.headers)
        headers.update({"x-failure-reason": reason[:1000], "x-failed-consumer": spec.consumer_name,
                        "x-failed-at": datetime.now(UTC).isoformat(),
                        "x-delivery-attempts": attempts})
        self._keep_publisher(headers, delivery.properties.get("user_id"), delivery.headers)
        self._publish_confirmed(topology.DEAD_LETTER_EXCHANGE, spec.name, delivery.body, headers,
                                delivery.properties)

    def dead_letters(self, spec: QueueSpec) -> list[DeadLetter]:
        """Browse without consuming: take every message, then give each one back."""
        channel = self.connection.channel()
        taken: list[kombu.Message] = []
        try:
            queue = Queue(spec.dead_letter_queue, queue_arguments=topology.QUORUM)(channel)
            while (message := queue.get(no_ack=False)) is not None:
                taken.append(message)
            return [_dead_letter_of(message) for message in taken]
        finally:
            _give_back(taken)
            channel.close()

    def replay(self, spec: QueueSpec, event_ids: Iterable[str] | None = None) -> int:
        """Send dead letters back to their own queue only (not to every subscriber), each
        acked in the dead-letter queue after the broker confirmed the copy. They go through
        the service's own replay exchange, bound to each of its queues by name."""
        wanted = set(event_ids) if event_ids is not None else None
        channel = self.connection.channel()
        replayed = 0
        kept: list[kombu.Message] = []
        try:
            queue = Queue(spec.dead_letter_queue, queue_arguments=topology.QUORUM)(channel)
            while (message := queue.get(no_ack=False)) is not None:
                letter = _dead_letter_of(message)
                if wanted is not None and letter.event_id not in wanted:
                    kept.append(message)
                    continue
                headers = {k: v for k, v in (message.headers or {}).items()
                           if k not in FAILURE_HEADERS and not k.startswith("x-death")}
                headers["x-replayed-at"] = datetime.now(UTC).isoformat()
                self._keep_publisher(headers, message.properties.get("user_id"),
                                     message.headers or {})
                self._publish_confirmed(spec.replay_exchange, spec.name, message.body, headers,
                                        message.properties)
                message.ack()
                replayed += 1
        finally:
            _give_back(kept)
            channel.close()
        return replayed

    def _keep_publisher(self, headers: dict[str, Any], user_id: str | None,
                        received_headers: dict[str, Any]) -> None:
        """This service publishes the message again under its own user: the original
        publisher, as the broker vouched for it, travels in ``x-published-by``."""
        headers.pop(access.PUBLISHED_BY, None)
        if self.user is not None:
            headers[access.PUBLISHED_BY] = access.publisher_of(
                user_id, received_headers, self.user) or ""

    def _publish_confirmed(self, exchange: str, routing_key: str, body: bytes,
                           headers: dict[str, Any], properties: dict[str, Any]) -> None:
        # Rare path (dead letters, replays): kombu's one-at-a-time confirm is enough.
        options = {"confirm_publish": True} if self.is_amqp else {}
        # The broker checks user_id against this connection's user: it vouches for it.
        publisher = {"user_id": self.user} if self.user is not None else {}
        with kombu.Connection(self.url, transport_options=options, connect_timeout=2) as connection:
            connection.Producer().publish(
                body, exchange=exchange, routing_key=routing_key, headers=headers,
                content_type="application/json", content_encoding="binary", delivery_mode=2,
                message_id=properties.get("message_id"), type=properties.get("type"),
                correlation_id=properties.get("correlation_id"), retry=False, **publisher)

    def memory_redeliveries(self) -> dict[tuple[str, str], int]:
        return self._memory_redeliveries


def _give_back(messages: list[kombu.Message]) -> None:
    for message in messages:
        if not message.acknowledged:
            message.requeue()


def _dead_letter_of(message: kombu.Message) -> DeadLetter:
    headers = message.headers or {}
    event_type = message.properties.get("type") or ""
    if not event_type:
        deaths = headers.get("x-death") or [{}]
        event_type = str((deaths[0].get("routing-keys") or [""])[0])
    reason = headers.get("x-failure-reason")
    if reason is None:  # dead-lettered by the broker itself, e.g. a consumer that crashed
        deaths = headers.get("x-death") or [{}]
        reason = f"broker: {deaths[0].get('reason', 'unknown')}"
    return DeadLetter(event_id=str(message.properties.get("message_id") or ""),
                      event_type=event_type, reason=str(reason),
                      failed_at=str(headers.get("x-failed-at", "")),
                      attempts=int(headers.get("x-delivery-attempts", 0) or 0), body=message.body)
