"""The bus baseline: raw pika moving the same messages as fast as it honestly can — one
process publishing with up to ``WINDOW`` unconfirmed publishes (SelectConnection, so
confirms come back while it keeps sending), one process consuming with prefetch 300 and a
multiple-ack every 50. No database, no envelope parsing: what the broker and pika allow.

Timestamps are ``time.time()``: they are compared across processes."""
from __future__ import annotations

import multiprocessing
import secrets
import time
from collections.abc import Callable
from typing import Any

import pika

WINDOW = 1_000
PREFETCH = 300
ACK_EVERY = 50
PROPERTIES = pika.BasicProperties(content_type="application/json", delivery_mode=2)


def declare_quorum_queue(url: str, queue: str) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        connection.channel().queue_declare(queue, durable=True,
                                           arguments={"x-queue-type": "quorum"})
    finally:
        connection.close()


def publish(url: str, queue: str, count: int, body: bytes, results: Any) -> None:
    """Publishes ``count`` messages, keeping at most WINDOW unconfirmed; puts its timings."""
    state = {"published": 0, "confirmed_upto": 0, "started": 0.0}
    singles: set[int] = set()  # confirmed one by one above confirmed_upto
    channel_box: list[Any] = []

    def fill() -> None:
        channel = channel_box[0]
        outstanding = state["published"] - state["confirmed_upto"] - len(singles)
        while state["published"] < count and outstanding < WINDOW:
            channel.basic_publish("", queue, body, PROPERTIES)
            state["published"] += 1
            outstanding += 1

    def on_confirm(frame: Any) -> None:
        method = frame.method
        if isinstance(method, pika.spec.Basic.Nack):
            raise RuntimeError(f"broker refused message {method.delivery_tag}")
        if method.multiple:
            state["confirmed_upto"] = max(state["confirmed_upto"], method.delivery_tag)
            singles.difference_update([t for t in singles if t <= method.delivery_tag])
        else:
            singles.add(method.delivery_tag)
        while state["confirmed_upto"] + 1 in singles:
            singles.remove(state["confirmed_upto"] + 1)
            state["confirmed_upto"] += 1
        if state["confirmed_upto"] == count:
            results.put(("publisher", {"first_publish_at": state["started"],
                                       "last_confirm_at": time.time()}))
            channel_box[0].connection.close()
        else:
            fill()

    def on_confirm_mode(_frame: Any) -> None:
        state["started"] = time.time()
        fill()

    def on_channel(channel: Any) -> None:
        channel_box.append(channel)
        channel.confirm_delivery(on_confirm, callback=on_confirm_mode)

    _run_select(url, on_channel)


def consume(url: str, queue: str, count: int, ready: Any, results: Any) -> None:
    """Consumes ``count`` messages, acking every ACK_EVERY; sets ``ready`` once subscribed."""
    state = {"received": 0, "first_delivery_at": 0.0, "consuming_at": 0.0}

    def on_message(channel: Any, method: Any, _properties: Any, _body: bytes) -> None:
        state["received"] += 1
        if state["received"] == 1:
            state["first_delivery_at"] = time.time()
        if state["received"] % ACK_EVERY == 0 or state["received"] == count:
            channel.basic_ack(method.delivery_tag, multiple=True)
        if state["received"] == count:
            results.put(("consumer", {"consuming_at": state["consuming_at"],
                                      "first_delivery_at": state["first_delivery_at"],
                                      "last_ack_at": time.time()}))
            channel.connection.close()

    def on_consume_ok(_frame: Any) -> None:
        state["consuming_at"] = time.time()
        ready.set()

    def on_qos(channel: Any) -> None:
        channel.basic_consume(queue, on_message, callback=on_consume_ok)

    def on_channel(channel: Any) -> None:
        channel.basic_qos(prefetch_count=PREFETCH, callback=lambda _frame: on_qos(channel))

    _run_select(url, on_channel)


def _run_select(url: str, on_channel: Callable[[Any], None]) -> None:
    """Opens a SelectConnection and runs its loop until the connection closes; raises if
    it closed for any reason but our own ``close()``."""
    errors: list[BaseException] = []

    def on_open(connection: pika.SelectConnection) -> None:
        connection.channel(on_open_callback=on_channel)

    def on_end(connection: pika.SelectConnection, reason: BaseException) -> None:
        if not isinstance(reason, pika.exceptions.ConnectionClosedByClient):
            errors.append(reason)
        connection.ioloop.stop()

    connection = pika.SelectConnection(pika.URLParameters(url), on_open_callback=on_open,
                                       on_open_error_callback=on_end, on_close_callback=on_end)
    connection.ioloop.start()
    if errors:
        raise RuntimeError(f"AMQP connection failed: {errors[0]}")


def measure(url: str, count: int, body: bytes, concurrent: bool) -> dict[str, float]:
    """Moves ``count`` messages through a fresh quorum queue. ``concurrent``: publisher
    and consumer at once (the baseline: first publish to last ack); otherwise publish
    everything first, then drain, and time each apart."""
    queue = f"bench.raw.{secrets.token_hex(4)}"
    declare_quorum_queue(url, queue)
    spawn = multiprocessing.get_context("spawn")
    ready, results = spawn.Event(), spawn.Queue()
    publisher = spawn.Process(target=publish, args=(url, queue, count, body, results))
    consumer = spawn.Process(target=consume, args=(url, queue, count, ready, results))
    try:
        if concurrent:
            consumer.start()
            _wait_until(ready.is_set, [consumer], "the raw consumer to subscribe")
            publisher.start()
            timings = _collect(results, 2, [publisher, consumer])
        else:
            publisher.start()
            timings = _collect(results, 1, [publisher])
            consumer.start()
            timings.update(_collect(results, 1, [consumer]))
    finally:
        for process in (publisher, consumer):
            if process.pid is not None:
                process.join(timeout=10)
                if process.is_alive():
                    process.kill()
    sent, got = timings["publisher"], timings["consumer"]
    publish_s = sent["last_confirm_at"] - sent["first_publish_at"]
    if concurrent:
        return {"raw_per_s": count / (got["last_ack_at"] - sent["first_publish_at"]),
                "raw_publish_per_s": count / publish_s}
    return {"raw_publish_only_per_s": count / publish_s,
            "raw_consume_only_per_s": count / (got["last_ack_at"] - got["consuming_at"])}


def _collect(results: Any, count: int, processes: list[Any]) -> dict[str, dict[str, float]]:
    collected: dict[str, dict[str, float]] = {}

    def arrived() -> bool:
        while not results.empty() and len(collected) < count:
            role, timing = results.get()
            collected[role] = timing
        return len(collected) == count
    _wait_until(arrived, processes, "the raw publisher and consumer to finish")
    return collected


def _wait_until(done: Callable[[], bool], processes: list[Any], what: str,
                timeout: float = 90) -> None:
    """Polls ``done``; fails at once if a process died instead of waiting out the timeout."""
    deadline = time.monotonic() + timeout
    while not done():
        crashed = [p for p in processes if p.exitcode not in (None, 0)]
        if crashed:
            raise RuntimeError(f"{crashed[0].name} exited with {crashed[0].exitcode} "
                               f"while waiting for {what}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what} after {timeout:.0f} s")
        time.sleep(0.01)
