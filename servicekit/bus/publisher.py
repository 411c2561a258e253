"""Publishing a batch and returning only when the broker has confirmed all of it.

On AMQP: pika's SelectConnection on its own I/O thread, publisher confirms pipelined — the
whole batch goes out, then the caller waits once for its acks (one round trip per batch,
not per message). ``start_batch`` lets a caller send the next batch while the broker is
still confirming the previous one (the relay does); batches go out on one channel in the
order they were started. In-process: kombu's memory transport, which has nothing to
confirm.
"""
from __future__ import annotations

import collections
import functools
import logging
import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Protocol

import kombu
import pika
from pika.spec import Basic

from servicekit.bus import topology
from servicekit.bus.transport import OutgoingMessage

log = logging.getLogger("servicekit.publisher")


class PublishFailed(RuntimeError):
    """The broker did not confirm the batch: nothing of it may be marked sent."""


class Confirmation(Protocol):
    def wait(self) -> None:
        """Returns once the broker confirmed the whole batch; raises PublishFailed."""


class Publisher(Protocol):
    def publish_batch(self, messages: list[OutgoingMessage]) -> None: ...
    def start_batch(self, messages: list[OutgoingMessage]) -> Confirmation: ...
    def close(self) -> None: ...


class Done:
    """The confirmation of a batch that was confirmed as it was sent."""

    def wait(self) -> None:
        pass


def open_publisher(url: str, timeout: float = 10.0) -> Publisher:
    if url.startswith(("amqp://", "amqps://")):
        publisher = PipelinedPublisher(url, timeout)
        publisher.start()
        return publisher
    return KombuPublisher(url)


class KombuPublisher:
    def __init__(self, url: str) -> None:
        self._connection = kombu.Connection(url)
        self._producer = self._connection.Producer()

    def publish_batch(self, messages: list[OutgoingMessage]) -> None:
        for message in messages:
            self._producer.publish(
                message.body, exchange=topology.EVENTS_EXCHANGE, routing_key=message.routing_key,
                headers=message.headers, content_type="application/json",
                content_encoding="binary", delivery_mode=2, message_id=message.message_id,
                correlation_id=message.correlation_id, type=message.routing_key)

    def start_batch(self, messages: list[OutgoingMessage]) -> Confirmation:
        self.publish_batch(messages)  # nothing to wait for in-process
        return Done()

    def close(self) -> None:
        self._connection.release()


class _Batch:
    def __init__(self, future: Future, first_tag: int) -> None:
        self.future = future
        self.outstanding: set[int] = set()
        self.nacked = 0
        # Tags below ``unsettled_from`` are settled: a multiple confirm only looks above.
        self.unsettled_from = self.last_tag = first_tag


class _Pending:
    def __init__(self, future: Future, size: int, timeout: float) -> None:
        self._future, self._size, self._timeout = future, size, timeout

    def wait(self) -> None:
        try:
            self._future.result(self._timeout)
        except FutureTimeout:
            raise PublishFailed(f"no confirm for {self._size} messages in {self._timeout}s") from None


class PipelinedPublisher:
    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self._parameters = pika.URLParameters(url)
        # RabbitMQ refuses a user_id that is not the connection's user, so consumers can
        # trust it to name the publisher (servicekit.bus.access).
        self._user = self._parameters.credentials.username
        self._parameters.connection_attempts = 1
        self._parameters.socket_timeout = 2
        self._timeout = timeout
        self._ready: Future = Future()
        self._connection: pika.SelectConnection | None = None
        self._channel = None
        self._last_tag = 0
        self._batches: collections.deque[_Batch] = collections.deque()  # in tag order
        self._thread = threading.Thread(target=self._run, name="amqp-publisher", daemon=True)

    # -- caller's side ---------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()
        try:
            self._ready.result(self._timeout)
        except FutureTimeout:
            self.close()
            raise PublishFailed("broker did not open a confirm channel in time") from None

    def publish_batch(self, messages: list[OutgoingMessage]) -> None:
        self.start_batch(messages).wait()

    def start_batch(self, messages: list[OutgoingMessage]) -> Confirmation:
        """Hands the batch to the I/O thread and returns at once; ``wait()`` on the result
        for the broker's confirms."""
        future: Future = Future()
        if not messages:
            future.set_result(None)
            return _Pending(future, 0, self._timeout)
        connection = self._connection
        if connection is None or not connection.is_open:
            raise PublishFailed("connection to the broker is closed")
        connection.ioloop.add_callback_threadsafe(functools.partial(self._publish, messages, future))
        return _Pending(future, len(messages), self._timeout)

    def close(self) -> None:
        connection = self._connection
        if connection is not None and connection.is_open:
            connection.ioloop.add_callback_threadsafe(connection.close)
        self._thread.join(timeout=5)
        if connection is not None and not self._thread.is_alive():
            connection.ioloop.close()  # its wake-up socket pair

    # -- I/O thread ------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._connection = pika.SelectConnection(
                self._parameters, on_open_callback=self._on_open,
                on_open_error_callback=self._on_open_error, on_close_callback=self._on_closed)
            self._connection.ioloop.start()
        except Exception as error:  # the thread must never die silently
            self._fail(PublishFailed(f"publisher I/O loop stopped: {error}"))

    def _on_open(self, connection: pika.SelectConnection) -> None:
        connection.channel(on_open_callback=self._on_channel)

    def _on_channel(self, channel) -> None:  # type: ignore[no-untyped-def]  # pika's callback arguments
        self._channel = channel
        channel.add_on_close_callback(self._on_channel_closed)
        channel.confirm_delivery(self._on_confirm,
                                 callback=lambda _frame: self._ready.set_result(None))

    def _on_open_error(self, _connection, error) -> None:  # type: ignore[no-untyped-def]  # pika's callback arguments
        self._fail(PublishFailed(f"cannot connect to the broker: {error}"))
        self._stop_loop()

    def _on_closed(self, _connection, reason) -> None:  # type: ignore[no-untyped-def]  # pika's callback arguments
        self._fail(PublishFailed(f"connection closed: {reason}"))
        self._stop_loop()

    def _on_channel_closed(self, _channel, reason) -> None:  # type: ignore[no-untyped-def]  # pika's callback arguments
        self._fail(PublishFailed(f"channel closed: {reason}"))
        if self._connection is not None and self._connection.is_open:
            self._connection.close()

    def _stop_loop(self) -> None:
        if self._connection is not None:
            self._connection.ioloop.stop()

    def _fail(self, error: Exception) -> None:
        if not self._ready.done():
            self._ready.set_exception(error)
        batches, self._batches = self._batches, collections.deque()
        for batch in batches:
            if not batch.future.done():
                batch.future.set_exception(error)

    def _publish(self, messages: list[OutgoingMessage], future: Future) -> None:
        if self._channel is None or not self._channel.is_open:
            future.set_exception(PublishFailed("channel is closed"))
            return
        batch = _Batch(future, self._last_tag + 1)
        self._batches.append(batch)
        for message in messages:
            self._channel.basic_publish(
                exchange=topology.EVENTS_EXCHANGE, routing_key=message.routing_key,
                body=message.body,
                properties=pika.BasicProperties(
                    content_type="application/json", delivery_mode=2,
                    message_id=message.message_id, correlation_id=message.correlation_id,
                    type=message.routing_key, headers=message.headers or None,
                    user_id=self._user))
            self._last_tag += 1
            batch.outstanding.add(self._last_tag)
        batch.last_tag = self._last_tag

    def _on_confirm(self, frame) -> None:  # type: ignore[no-untyped-def]  # pika's callback arguments
        method = frame.method
        nack = isinstance(method, Basic.Nack)
        for batch in list(self._batches):
            if method.multiple:
                # Tags of a batch are consecutive and batches are in tag order: stop at the
                # first batch the confirm does not reach.
                if batch.unsettled_from > method.delivery_tag:
                    break
                upto = min(method.delivery_tag, batch.last_tag)
                settled = {tag for tag in range(batch.unsettled_from, upto + 1)
                           if tag in batch.outstanding}
                batch.unsettled_from = upto + 1
            elif method.delivery_tag in batch.outstanding:
                settled = {method.delivery_tag}
            else:
                continue
            batch.outstanding -= settled
            if nack:
                batch.nacked += len(settled)
            if not batch.outstanding:
                self._batches.remove(batch)
                if batch.nacked:
                    batch.future.set_exception(PublishFailed(f"broker refused {batch.nacked} messages"))
                else:
                    batch.future.set_result(None)
            if not method.multiple:
                break
