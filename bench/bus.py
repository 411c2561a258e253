"""Scenario ``bus``: events per second from the accounts outbox, through RabbitMQ, into the
courses inbox — relay and consumer as the separate processes they are in production —
next to raw pika moving as many messages of the same size in the same run.

Stages are timed from outside, in the databases: a stage starts when its process first
connects to its database (so interpreter start-up is not counted as bus time; it is
reported apart) and ends when the count is reached."""
from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import pika

from bench import postgres_watch as watch
from bench import raw_amqp, scratch
from bench.processes import Command, running
from bench.results import load_average, write_result
from contracts.vocabulary import AUTHORITY_CODES, UNIT_TYPES
from servicekit.cli import migrate
from servicekit.service import Runtime
from servicekit.settings import Settings
from services.accounts.bootstrap import DEFINITION as ACCOUNTS
from services.courses.bootstrap import DEFINITION as COURSES

# Enough for a steady rate; at today's consumer speed the run stays under two minutes.
EVENTS = 20_000
FILL_TRANSACTION = 5_000
UNIT_REGISTERED = "accounts.unit.registered.v1"
STAGE_TIMEOUT = 60
GOAL_RATIO = 0.35


def run(events: int = EVENTS) -> dict[str, Any]:
    load_at_start = load_average()
    tag = scratch.suffix()
    names = {"accounts": f"bench_accounts_{tag}", "courses": f"bench_courses_{tag}"}
    with scratch.vhost(f"bench-{tag}") as broker_url, \
            scratch.databases(*names.values()) as urls:
        bus = _Bus(events, broker_url, names, {s: urls[n] for s, n in names.items()})
        try:
            result = bus.measure(load_at_start)
        finally:
            bus.close()
    print(f"bus: {result['events_per_s']:,.0f} events/s through the outbox and inbox, "
          f"raw pika {result['raw_per_s']:,.0f} msg/s, ratio {result['ratio']:.2f} "
          f"(goal ≥ {GOAL_RATIO})")
    return result


class _Bus:
    def __init__(self, events: int, broker_url: str, names: dict[str, str],
                 urls: dict[str, str]) -> None:
        self.events = events
        self.broker_url = broker_url
        self.names = names
        # Prefixed names win over anything of the same name inherited from the caller.
        self.env = {service: {f"{service.upper()}_DATABASE_URL": urls[service],
                              f"{service.upper()}_BROKER_URL": broker_url,
                              f"{service.upper()}_MODE": "production",
                              f"{service.upper()}_TOKEN_ISSUER": "https://bench.invalid",
                              f"{service.upper()}_JWKS_URL": "http://127.0.0.1:9/jwks.json",
                              f"{service.upper()}_LOG_LEVEL": "WARNING"}
                    for service in names}
        self.settings = {s: Settings.from_env(s, {**os.environ, **self.env[s]}) for s in names}
        self.accounts_db = watch.connect(urls["accounts"])
        self.courses_db = watch.connect(urls["courses"])
        self.courses_queue = ""  # known once migrated

    def close(self) -> None:
        self.accounts_db.close()
        self.courses_db.close()

    def measure(self, load_at_start: float) -> dict[str, Any]:
        body_bytes = self._prepare()
        body = b"x" * body_bytes
        # The baseline brackets the pipeline: a neighbour's load moves both alike.
        raw_runs = [raw_amqp.measure(self.broker_url, self.events, body, concurrent=True)]
        pipeline = self._pipeline()
        raw_runs.append(raw_amqp.measure(self.broker_url, self.events, body, concurrent=True))
        raw = {key: sum(run[key] for run in raw_runs) / len(raw_runs) for key in raw_runs[0]}
        self._reset()
        relay_only = self._relay_only()
        consumer_only = self._consumer_only()
        raw_apart = raw_amqp.measure(self.broker_url, self.events, body, concurrent=False)
        events_per_s = self.events / pipeline["elapsed_s"]
        ratio = events_per_s / raw["raw_per_s"]
        figures = {
            "figure": "events_per_s", "events_per_s": round(events_per_s, 1),
            "baseline": "raw_per_s", "raw_per_s": round(raw["raw_per_s"], 1),
            "raw_per_s_before_and_after": [round(run["raw_per_s"], 1) for run in raw_runs],
            "ratio": round(ratio, 3), "goal": f"ratio >= {GOAL_RATIO}",
            "goal_met": ratio >= GOAL_RATIO,
            "elapsed_s": round(pipeline["elapsed_s"], 3),
            "relay_startup_s": round(pipeline["startup_s"], 3),
            "stages_per_s": {name: round(value, 1) for name, value in {
                "relay_only": relay_only, "consumer_only": consumer_only,
                "raw_publish_while_consuming": raw["raw_publish_per_s"],
                "raw_publish_only": raw_apart["raw_publish_only_per_s"],
                "raw_consume_only": raw_apart["raw_consume_only_per_s"]}.items()},
        }
        accounts, courses = self.settings["accounts"], self.settings["courses"]
        parameters = {
            "events": self.events, "message_bytes": body_bytes,
            "relay_batch_size": accounts.relay_batch_size,
            "relay_idle_seconds": accounts.relay_idle_seconds,
            "consumer_batch_size": courses.consumer_batch_size,
            "consumer_prefetch": courses.consumer_prefetch,
            "raw_unconfirmed_window": raw_amqp.WINDOW, "raw_prefetch": raw_amqp.PREFETCH,
            "raw_ack_every": raw_amqp.ACK_EVERY, "poll_seconds": watch.POLL_SECONDS,
            # Without autovacuum a fresh inbox is never analyzed, and the consumer's
            # duplicate check slows down as the inbox grows (docs/performance.md).
            "postgres_autovacuum": watch.setting(self.courses_db, "autovacuum"),
        }
        return write_result("bus", figures, parameters, load_at_start)

    # -- stages ----------------------------------------------------------------------
    def _prepare(self) -> int:
        """Migrates both databases (declaring the queues) and fills the outbox, untimed;
        returns the size of one event as it travels."""
        runtimes = {s: Runtime(d, self.settings[s]) for s, d in
                    (("accounts", ACCOUNTS), ("courses", COURSES))}
        for runtime in runtimes.values():
            migrate(runtime)
        self.courses_queue = next(s.queue.name for s in runtimes["courses"].subscriptions()
                                  if UNIT_REGISTERED in s.handlers)
        accounts = runtimes["accounts"]
        envelopes = [accounts.outbox.envelope(UNIT_REGISTERED, _unit(number))
                     for number in range(self.events)]
        for start in range(0, self.events, FILL_TRANSACTION):
            with accounts.database.session() as session:
                accounts.outbox.record_many(session, envelopes[start:start + FILL_TRANSACTION])
        for runtime in runtimes.values():
            runtime.database.dispose()  # its connections would look like a service's
        self.accounts_db.execute("VACUUM ANALYZE outbox")
        return len(envelopes[0].to_json())

    def _pipeline(self) -> dict[str, float]:
        """Consumer subscribed first, then the relay: its first connection to its database
        until the inbox holds every event."""
        with running(["-m", "services.courses", "consumer"], self.env["courses"]) as consumer:
            self._wait_subscribed(consumer)
            spawned = time.monotonic()
            with running(["-m", "services.accounts", "relay"], self.env["accounts"]) as relay:
                started, finished = self._time_stage(
                    self.accounts_db, "accounts", self._all_applied, "every event applied",
                    [consumer, relay])
        return {"elapsed_s": finished - started, "startup_s": started - spawned}

    def _relay_only(self) -> float:
        with running(["-m", "services.accounts", "relay"], self.env["accounts"]) as relay:
            started, finished = self._time_stage(
                self.accounts_db, "accounts", self._all_sent, "every event sent", [relay])
        return self.events / (finished - started)

    def _consumer_only(self) -> float:
        with running(["-m", "services.courses", "consumer"], self.env["courses"]) as consumer:
            started, finished = self._time_stage(
                self.courses_db, "courses", self._all_applied, "every event applied", [consumer])
        return self.events / (finished - started)

    def _time_stage(self, start_db, service: str, done: Callable[[], bool], what: str,
                    processes: list[Command]) -> tuple[float, float]:
        def alive() -> None:
            for process in processes:
                process.check_alive()
        started = watch.wait_for(lambda: watch.other_clients(start_db, self.names[service]) > 0,
                                 f"{service} to connect to its database", STAGE_TIMEOUT, alive)
        finished = watch.wait_for(done, what, STAGE_TIMEOUT, alive)
        return started, finished

    def _all_applied(self) -> bool:
        return watch.count(self.courses_db, "SELECT count(*) FROM inbox") >= self.events

    def _all_sent(self) -> bool:
        return watch.count(self.accounts_db,
                           "SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0

    def _wait_subscribed(self, consumer: Command) -> None:
        connection = pika.BlockingConnection(pika.URLParameters(self.broker_url))
        try:
            channel = connection.channel()
            watch.wait_for(lambda: channel.queue_declare(self.courses_queue, passive=True)
                           .method.consumer_count > 0, "the courses consumer to subscribe",
                           STAGE_TIMEOUT, consumer.check_alive)
        finally:
            connection.close()

    def _reset(self) -> None:
        """Everything unsent and unapplied again, for the stages timed apart."""
        self.courses_db.execute("TRUNCATE inbox, unit_replica")
        self.accounts_db.execute("UPDATE outbox SET sent_at = NULL")
        self.accounts_db.execute("VACUUM ANALYZE outbox")


def _unit(number: int) -> dict[str, Any]:
    # Codes from the shared vocabulary, so the events pass the contract as real ones do.
    return {"unit_code": f"B{number:07d}", "name": f"Benchmark unit {number}",
            "unit_type": UNIT_TYPES[number % len(UNIT_TYPES)],
            "authority_code": AUTHORITY_CODES[number % len(AUTHORITY_CODES)], "version": 1}
