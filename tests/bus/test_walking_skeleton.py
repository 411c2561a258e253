"""The walking skeleton (issue: platform foundation, point 8): a unit registered in the
accounts service commits with its event; the courses service, another process on another
database, applies it exactly once — through broker restarts and crashes at the worst
moments. Real PostgreSQL, real RabbitMQ (the broker restart on a node of the test's own),
processes killed by their own pid."""
from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest

from servicekit.bus.consumer import Subscription
from servicekit.testing.broker_node import RabbitNode
from services.accounts.handlers.units import register_unit
from services.courses.handlers import replica
from services.courses.handlers import units as course_units

from .conftest import ROOT, Platform, wait_for

# Services as processes on PostgreSQL and RabbitMQ.
pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.rabbitmq]


def register(platform: Platform, count: int, prefix: str = "U") -> list[str]:
    codes = [f"{prefix}{index:04d}" for index in range(count)]
    for code in codes:
        register_unit(platform.accounts.components.unit_of_work(), platform.accounts.clock,
                      code, f"測試學校 {code}", "elementary_school", "TPE")
    return codes


def test_a_committed_unit_reaches_the_other_service_once(platform: Platform) -> None:
    codes = register(platform, 20)
    assert platform.unsent() == 20  # state and events committed together, not yet sent
    platform.start("courses", "consumer")
    platform.start("accounts", "relay")
    wait_for(lambda: platform.replicated() == 20, 30, "20 units replicated", platform)
    wait_for(lambda: platform.unsent() == 0, 10, "outbox marked sent", platform)
    platform.stop(platform.processes[0])
    assert platform.queue_depth() == 0
    assert platform.applied() == 20
    assert course_units.find_unit(platform.courses, codes[7])["name"] == f"測試學校 {codes[7]}"


def test_a_broker_restart_between_commit_and_relay_loses_nothing(
        platform_on_own_node: Platform, rabbitmq_node: RabbitNode) -> None:
    # The broker that stops is the test's own node: the shared one serves other work.
    platform = platform_on_own_node
    register(platform, 10)
    rabbitmq_node.stop_app()
    try:
        relay = platform.start("accounts", "relay")
        consumer = platform.start("courses", "consumer")
        wait_for(lambda: relay.poll() is None and consumer.poll() is None, 2, "processes up")
        assert platform.unsent() == 10  # nothing could be confirmed: nothing marked sent
    finally:
        rabbitmq_node.start_app()
    wait_for(lambda: platform.replicated() == 10, 60, "10 units after the restart", platform)
    assert platform.applied() == 10
    assert relay.poll() is None and consumer.poll() is None  # they reconnected, not died


def test_a_relay_killed_after_publishing_causes_a_duplicate_applied_once(platform: Platform) -> None:
    register(platform, 15)
    crashed = platform.start("accounts", "relay", crash_at="relay-after-publish")
    assert crashed.wait(30) == -9
    assert platform.unsent() == 15  # published and confirmed, but the mark was never committed
    assert platform.queue_depth() == 15
    platform.start("accounts", "relay")
    wait_for(lambda: platform.unsent() == 0, 30, "outbox sent by the second relay", platform)
    assert platform.queue_depth() == 30  # every event is on the queue twice
    consumer = platform.start("courses", "consumer")
    wait_for(lambda: platform.applied() == 15 and platform.queue_depth() == 0, 30,
             "queue drained", platform)
    platform.stop(consumer)
    assert platform.queue_depth() == 0  # the copies were acked too, not left in flight
    assert platform.applied() == 15
    assert platform.replicated() == 15


def test_a_consumer_killed_before_acking_is_redelivered_and_applied_once(platform: Platform) -> None:
    register(platform, 12)
    platform.start("accounts", "relay")
    wait_for(lambda: platform.unsent() == 0, 30, "outbox sent", platform)
    crashed = platform.start("courses", "consumer", crash_at="consumer-before-ack")
    assert crashed.wait(30) == -9
    assert platform.applied() == 12  # committed…
    assert platform.queue_depth() == 12  # …but never acked: all come back
    consumer = platform.start("courses", "consumer")
    wait_for(lambda: platform.queue_depth() == 0, 30, "queue drained", platform)
    platform.stop(consumer)
    assert platform.queue_depth() == 0
    assert platform.applied() == 12
    assert platform.replicated() == 12


def test_a_poison_message_is_dead_lettered_after_the_limit_while_others_flow(platform: Platform) -> None:
    courses = platform.courses
    attempts: list[str] = []

    def failing_for_poison(session, data, envelope):
        if data["unit_code"] == "POISON":
            attempts.append(envelope.id)
            raise RuntimeError("cannot apply this unit")
        replica.apply_units(session, [(data, envelope)])

    real = courses.subscriptions()[0]
    poisoned = Subscription(real.queue, dict.fromkeys(real.handlers, failing_for_poison))
    register_unit(platform.accounts.components.unit_of_work(), platform.accounts.clock,
                  "POISON", "有問題的單位", "elementary_school", "TPE")
    codes = register(platform, 8, prefix="OK")
    platform.start("accounts", "relay")
    wait_for(lambda: platform.unsent() == 0, 30, "outbox sent", platform)

    stop = threading.Event()
    consumer = courses.consumer(poisoned)
    thread = threading.Thread(target=consumer.run, args=(lambda: courses.open_reader(poisoned), stop),
                              kwargs={"batch_size": 5, "max_wait": 0.2})
    thread.start()
    try:
        wait_for(lambda: platform.replicated() == len(codes), 30, "the good units applied", platform)
        # Parked, not merely out of sight: a message being applied is not counted ready.
        wait_for(lambda: platform.queue_depth("courses.events.dead-letter") == 1
                 and platform.queue_depth() == 0, 30, "poison parked", platform)
    finally:
        stop.set()
        thread.join(10)
    # DELIVERY_LIMIT=3 deliveries, then parked; each delivery ran the handler twice: the
    # batch's fast path, then the retry of the batch with one savepoint per event.
    assert len(attempts) == 6
    assert course_units.find_unit(courses, "POISON") is None

    listing = cli(platform, "courses", "dead-letters", "list")
    [letter] = [json.loads(line) for line in listing.splitlines()]
    assert letter["queue"] == "courses.events"
    assert letter["type"] == "accounts.unit.registered.v1"
    assert letter["reason"] == "RuntimeError: cannot apply this unit"
    assert letter["attempts"] == 3
    shown = json.loads(cli(platform, "courses", "dead-letters", "show", letter["event_id"]))
    assert shown["body"]["data"]["unit_code"] == "POISON"

    # Once the cause is mended, a replay sends it back to this consumer only, applied once.
    assert json.loads(cli(platform, "courses", "dead-letters", "replay", "--all"))["replayed"] == 1
    platform.start("courses", "consumer")
    wait_for(lambda: course_units.find_unit(courses, "POISON") is not None, 30, "replayed poison", platform)
    assert cli(platform, "courses", "dead-letters", "list").strip() == ""


def cli(platform: Platform, service: str, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", f"services.{service}", *args], check=False, cwd=ROOT,
                            env=platform.env[service], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout
