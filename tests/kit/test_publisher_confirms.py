"""The pika publisher keeps several batches in flight (the relay sends the next while the
broker confirms the last): each batch's future settles when, and only when, every one of
its messages is confirmed, whatever mix of single and multiple acks and nacks the broker
sends. No broker here: the I/O thread's callbacks are called directly."""
from __future__ import annotations

from concurrent.futures import Future
from types import SimpleNamespace

import pytest
from pika.spec import Basic

from servicekit.bus.publisher import PipelinedPublisher, PublishFailed
from servicekit.bus.transport import OutgoingMessage


class Channel:
    is_open = True

    def basic_publish(self, **_message) -> None:
        pass


def publisher_with_batches(*sizes: int) -> tuple[PipelinedPublisher, list[Future]]:
    publisher = PipelinedPublisher("amqp://guest:guest@127.0.0.1:1/none")
    publisher._channel = Channel()
    futures = []
    for size in sizes:
        future: Future = Future()
        publisher._publish([OutgoingMessage("a.b.c.v1", b"{}", f"m{i}", "c")
                            for i in range(size)], future)
        futures.append(future)
    return publisher, futures


def ack(tag: int, multiple: bool = False):
    return SimpleNamespace(method=Basic.Ack(delivery_tag=tag, multiple=multiple))


def nack(tag: int, multiple: bool = False):
    return SimpleNamespace(method=Basic.Nack(delivery_tag=tag, multiple=multiple))


def test_a_multiple_ack_settles_the_batches_it_covers_and_no_more() -> None:
    publisher, (first, second) = publisher_with_batches(3, 3)  # tags 1-3 and 4-6
    publisher._on_confirm(ack(2, multiple=True))
    assert not first.done() and not second.done()
    publisher._on_confirm(ack(4, multiple=True))
    assert first.result(0) is None and not second.done()
    publisher._on_confirm(ack(6))
    publisher._on_confirm(ack(5))
    assert second.result(0) is None


def test_a_nack_fails_its_own_batch_only_once_all_of_it_is_answered() -> None:
    publisher, (first, second) = publisher_with_batches(2, 2)  # tags 1-2 and 3-4
    publisher._on_confirm(nack(3))
    publisher._on_confirm(ack(2, multiple=True))
    assert first.result(0) is None and not second.done()
    publisher._on_confirm(ack(4))
    with pytest.raises(PublishFailed, match="broker refused 1 messages"):
        second.result(0)


def test_a_lost_connection_fails_every_batch_in_flight() -> None:
    publisher, futures = publisher_with_batches(2, 2)
    publisher._fail(PublishFailed("connection closed"))
    for future in futures:
        with pytest.raises(PublishFailed, match="connection closed"):
            future.result(0)
