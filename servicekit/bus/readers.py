"""Taking messages from one queue in batches, and settling a batch in one go.

``PikaQueueReader`` reads RabbitMQ with pika's BlockingConnection: prefetch, one
multiple-ack per batch after the commit, a nack-with-requeue per failed message (the
quorum queue counts it in ``x-delivery-count``). ``KombuQueueReader`` reads kombu's
in-process transport, which has neither multiple acks nor delivery counts: it acks one by
one and counts redeliveries itself.
"""
from __future__ import annotations

import time
from typing import Protocol

import kombu
import pika

from servicekit.bus.topology import QueueSpec
from servicekit.bus.transport import Delivery, Transport


class QueueReader(Protocol):
    spec: QueueSpec

    def next_batch(self, max_count: int, max_wait: float) -> list[Delivery]: ...
    def settle(self, ack: list[Delivery], requeue: list[Delivery],
               dead: list[tuple[Delivery, str, int]]) -> None: ...
    def close(self) -> None: ...


# A batch is returned once the queue has been quiet this long.
QUIET_SECONDS = 0.02


class PikaQueueReader:
    def __init__(self, transport: Transport, spec: QueueSpec, prefetch: int,
                 owns_transport: bool = False) -> None:
        self.transport = transport
        self.spec = spec
        self._owns_transport = owns_transport
        parameters = pika.URLParameters(transport.url)
        parameters.connection_attempts = 1
        parameters.socket_timeout = 2
        self._connection = pika.BlockingConnection(parameters)
        self._channel = self._connection.channel()
        self._channel.basic_qos(prefetch_count=prefetch)
        self._messages = self._channel.consume(spec.name, inactivity_timeout=QUIET_SECONDS)

    def next_batch(self, max_count: int, max_wait: float) -> list[Delivery]:
        deadline = time.monotonic() + max_wait
        batch: list[Delivery] = []
        while len(batch) < max_count:
            method, properties, body = next(self._messages)
            if method is None:  # quiet for QUIET_SECONDS
                if batch or time.monotonic() >= deadline:
                    break
                continue
            headers = dict(properties.headers or {})
            batch.append(Delivery(
                body=body, headers=headers, tag=method.delivery_tag,
                properties={"message_id": properties.message_id, "type": properties.type,
                            "correlation_id": properties.correlation_id,
                            "user_id": properties.user_id},
                previous_deliveries=int(headers.get("x-delivery-count", 0) or 0)))
        return batch

    def settle(self, ack: list[Delivery], requeue: list[Delivery],
               dead: list[tuple[Delivery, str, int]]) -> None:
        for delivery, reason, attempts in dead:
            self.transport.dead_letter(self.spec, delivery, reason, attempts)
        for delivery in requeue:
            self._channel.basic_nack(delivery.tag, multiple=False, requeue=True)
        done = ack + [delivery for delivery, _, _ in dead]
        if done:
            # Every message of this batch still unsettled is in ``done``, and the ones still
            # in pika's buffer have higher tags: one multiple-ack settles exactly the batch.
            self._channel.basic_ack(max(d.tag for d in done), multiple=True)

    def close(self) -> None:
        try:
            if self._connection.is_open:
                self._channel.cancel()
                self._connection.close()
        except Exception:  # closing a broken connection: nothing left to save
            pass
        if self._owns_transport:
            self.transport.close()


class KombuQueueReader:
    def __init__(self, transport: Transport, spec: QueueSpec, prefetch: int,
                 owns_transport: bool = False) -> None:
        self.transport = transport
        self.spec = spec
        self._owns_transport = owns_transport
        self.channel = transport.connection.channel()
        self._buffer: list[kombu.Message] = []
        self._consumer = kombu.Consumer(self.channel, queues=[transport.queue(spec)],
                                        on_message=self._buffer.append, prefetch_count=prefetch,
                                        no_ack=False, auto_declare=False)
        self._consumer.consume()

    def next_batch(self, max_count: int, max_wait: float) -> list[Delivery]:
        deadline = time.monotonic() + max_wait
        connection = self.transport.connection
        while len(self._buffer) < max_count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                connection.drain_events(
                    timeout=min(remaining, QUIET_SECONDS) if self._buffer else remaining)
            except TimeoutError:
                if self._buffer:
                    break
        taken, self._buffer[:] = self._buffer[:max_count], self._buffer[max_count:]
        return [self._delivery(message) for message in taken]

    def _key(self, message: kombu.Message) -> tuple[str, str]:
        return (self.spec.name, str(message.properties.get("message_id")))

    def _delivery(self, message: kombu.Message) -> Delivery:
        properties = message.properties
        return Delivery(
            body=message.body, headers=dict(message.headers or {}), tag=message.delivery_tag,
            properties={"message_id": properties.get("message_id"), "type": properties.get("type"),
                        "correlation_id": properties.get("correlation_id"),
                        "user_id": properties.get("user_id")},
            previous_deliveries=self.transport.memory_redeliveries().get(self._key(message), 0),
            handle=message)

    def settle(self, ack: list[Delivery], requeue: list[Delivery],
               dead: list[tuple[Delivery, str, int]]) -> None:
        redeliveries = self.transport.memory_redeliveries()
        for delivery, reason, attempts in dead:
            self.transport.dead_letter(self.spec, delivery, reason, attempts)
        for delivery in requeue:
            key = self._key(delivery.handle)
            redeliveries[key] = redeliveries.get(key, 0) + 1
            delivery.handle.requeue()
        for delivery in ack + [delivery for delivery, _, _ in dead]:
            redeliveries.pop(self._key(delivery.handle), None)
            delivery.handle.ack()

    def close(self) -> None:
        try:
            self._consumer.cancel()
            self.channel.close()
        except Exception:  # closing a broken channel: nothing left to save
            pass
        if self._owns_transport:
            self.transport.close()
