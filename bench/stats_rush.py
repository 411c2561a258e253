"""Part ``rush`` of scenario ``stats`` (issue 13, "Measured"): the events a second stats
applies WHILE A RUSH RUNS, through RabbitMQ and stats' consumer as production runs it
(``python -m services.stats consumer``, a process of its own, on a database and a vhost
of the run's own), and how far it falls behind (its lag).

The rush: courses' ``enrolment.recorded`` of ``RUSH_EVENTS`` places in ``COURSES``
courses whose windows open in the same minute, published from a process of their own as
courses' relay publishes its outbox (servicekit's publisher, confirmed batches of the
relay's size), paced at ``PUBLISH_PER_S`` events a second: the bus scenario's documented
figure, the most the courses service's outbox and relay put on the bus (the rush's HTTP
answers, ~110 a second in "rush", are far fewer: each place is one event). The units and
courses are known to stats beforehand (registered by its handler, untimed); the places
are new events with ids of their own, applied through the inbox.

Measured from outside: the inbox's rows every 50 ms (applied) and the depth of
``stats.events`` (ready and unacknowledged: the lag) every 50 ms. ``applied_per_s``: the
events over the time from the first applied to the last; ``published_per_s`` the
producer's; ``lag_max`` the deepest queue seen, ``drain_s`` the time after the last
publish until every event was applied. Run once per consumer setting in ``SETTINGS``
(messages a transaction, prefetch), on the same database, each with its own places."""
from __future__ import annotations

import multiprocessing
import os
import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pika

from bench import postgres_watch as watch
from bench import scratch
from bench.processes import running
from contracts.events import CATALOGUE
from contracts.events.accounts import UNIT_REGISTERED
from contracts.events.courses import COURSE_REGISTERED, ENROLMENT_RECORDED
from contracts.vocabulary import COUNTIES
from servicekit.bus.publisher import open_publisher
from servicekit.bus.transport import OutgoingMessage
from servicekit.cli import migrate
from servicekit.events import Envelope, producer_of
from servicekit.service import Runtime
from servicekit.settings import Settings
from services.stats.bootstrap import DEFINITION
from services.stats.handlers import intake

RUSH_EVENTS = 60_000
COURSES, UNITS = 2_000, 200
PUBLISH_PER_S = 10_765  # the bus scenario's documented events a second (bench/stats.py)
RELAY_BATCH = 1_000  # the relay's default batch (servicekit/settings.py)
# (messages a transaction, prefetch): the kit's default, and larger batches, whose figure
# additions sum over more events before the one upsert.
SETTINGS = ((1_000, 2_000), (5_000, 10_000))
DEPLOYED = (5_000, 10_000)  # stats' consumer in deploy/ (STATS_CONSUMER_BATCH_SIZE, _PREFETCH)
RUSH_AT = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # midnight in Taipei
TIMEOUT_S = 300


def _envelope(event_type: str, data: dict[str, Any], at: datetime) -> Envelope:
    return Envelope(type=event_type, source=producer_of(event_type), correlation_id="rush",
                    id=str(uuid.uuid4()), time=at,
                    data=CATALOGUE.validate_data(event_type, data))


def known_beforehand(rng: random.Random) -> tuple[list[Envelope], list[str]]:
    """The units and the courses of the rush, as stats learnt them before it."""
    counties = list(COUNTIES)
    events = [_envelope(UNIT_REGISTERED, {
        "unit_code": f"R{n:05d}", "name": f"單位{n}", "unit_type": "elementary_school",
        "authority_code": counties[n % len(counties)], "county_code": counties[n % len(counties)],
        "version": 1}, datetime(2026, 1, 1, tzinfo=UTC)) for n in range(UNITS)]
    courses = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(COURSES)]
    registered = RUSH_AT - timedelta(days=10)
    events += [_envelope(COURSE_REGISTERED, {
        "course_id": course, "code": f"R{n}", "unit_code": f"R{rng.randrange(UNITS):05d}",
        "title": "研習", "starts_on": date(2026, 12, 20).isoformat(),
        "registered_at": registered.isoformat(), "version": 1}, registered)
        for n, course in enumerate(courses)]
    return events, courses


def rush(rng: random.Random, courses: list[str]) -> list[OutgoingMessage]:
    """The places of a rush over its first minute, as courses' outbox holds them."""
    messages = []
    for n in range(RUSH_EVENTS):
        at = RUSH_AT + timedelta(milliseconds=n * 60_000 // RUSH_EVENTS)
        envelope = _envelope(ENROLMENT_RECORDED, {
            "enrolment_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "course_id": rng.choice(courses),
            "account_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "status": "enrolled", "arrival": n + 1, "at": at.isoformat()}, at)
        messages.append(OutgoingMessage(envelope.type, envelope.to_json(), envelope.id,
                                        envelope.correlation_id))
    return messages


def _one_rush(env: dict[str, str], broker_url: str, queue: str, db: Any,
              messages: list[OutgoingMessage], batch: int, prefetch: int) -> dict[str, Any]:
    env = {**env, "STATS_CONSUMER_BATCH_SIZE": str(batch),
           "STATS_CONSUMER_PREFETCH": str(prefetch)}
    before = watch.count(db, "SELECT count(*) FROM inbox")
    connection = pika.BlockingConnection(pika.URLParameters(broker_url))
    channel = connection.channel()

    def queue_state() -> tuple[int, int]:
        declared = channel.queue_declare(queue, passive=True).method
        return declared.message_count, declared.consumer_count

    try:
        with running(["-m", "services.stats", "consumer"], env) as consumer:
            watch.wait_for(lambda: queue_state()[1] > 0, "the stats consumer to subscribe",
                           TIMEOUT_S, consumer.check_alive)
            published = multiprocessing.Value("q", 0)
            publish_s = multiprocessing.Value("d", 0.0)
            producer = multiprocessing.Process(target=_publish, args=(
                broker_url, messages, PUBLISH_PER_S, published, publish_s))
            started = time.monotonic()
            producer.start()
            first_applied: float | None = None
            lag_max = ready_max = 0
            while True:
                sent = published.value  # read before the inbox: the lag is never negative
                applied = watch.count(db, "SELECT count(*) FROM inbox") - before
                now = time.monotonic()
                if applied and first_applied is None:
                    first_applied = now
                lag_max = max(lag_max, sent - applied)
                ready_max = max(ready_max, queue_state()[0])
                if applied >= len(messages):
                    break
                consumer.check_alive()
                if producer.exitcode:
                    raise RuntimeError(f"the rush's producer exited with {producer.exitcode}")
                if now > started + TIMEOUT_S:
                    raise TimeoutError(f"stats applied {applied} of {len(messages)} rush "
                                       f"events in {TIMEOUT_S} s")
                time.sleep(watch.POLL_SECONDS)
            producer.join()
    finally:
        connection.close()
    assert first_applied is not None
    return {"consumer_batch_size": batch, "consumer_prefetch": prefetch,
            "events": len(messages),
            "published_per_s": round(len(messages) / publish_s.value),
            "applied_per_s": round(len(messages) / (now - first_applied)),
            "lag_max_events": lag_max, "queue_ready_max": ready_max,
            "drain_after_last_publish_s": round(now - started - publish_s.value, 2)}


def _publish(broker_url: str, messages: list[OutgoingMessage], per_s: float,
             published: Any, elapsed: Any) -> None:
    """In a process of its own: confirmed batches of the relay's size, paced at
    ``per_s``; the events confirmed so far in ``published``."""
    started = time.monotonic()
    publisher = open_publisher(broker_url)
    try:
        for first in range(0, len(messages), RELAY_BATCH):
            due = started + first / per_s
            if (wait := due - time.monotonic()) > 0:
                time.sleep(wait)
            chunk = messages[first:first + RELAY_BATCH]
            publisher.start_batch(chunk).wait()
            published.value += len(chunk)
    finally:
        publisher.close()
    elapsed.value = time.monotonic() - started


def measure() -> dict[str, Any]:
    tag = scratch.suffix()
    name = f"bench_stats_rush_{tag}"
    with scratch.vhost(f"bench-stats-{tag}") as broker_url, \
            scratch.databases(name) as urls:
        env = {"STATS_DATABASE_URL": urls[name], "STATS_BROKER_URL": broker_url,
               "STATS_MODE": "production", "STATS_TOKEN_ISSUER": "https://bench.invalid",
               "STATS_JWKS_URL": "http://127.0.0.1:9/jwks.json", "STATS_LOG_LEVEL": "WARNING"}
        runtime = Runtime(DEFINITION, Settings.from_env("stats", {**os.environ, **env}))
        rng = random.Random(13)
        try:
            migrate(runtime)  # declares the queues on the run's vhost
            queue = runtime.subscriptions()[0].queue.name
            beforehand, courses = known_beforehand(rng)
            with runtime.database.session() as session:
                for kind in (UNIT_REGISTERED, COURSE_REGISTERED):
                    intake.take(session, [(CATALOGUE.load_data(e), e) for e in beforehand
                                          if e.type == kind])
        finally:
            runtime.database.dispose()
        db = watch.connect(urls[name])
        try:
            runs = [_one_rush(env, broker_url, queue, db, rush(rng, courses), batch, prefetch)
                    for batch, prefetch in SETTINGS]
        finally:
            db.close()
    return {"publish_per_s_goal": PUBLISH_PER_S, "runs": runs}
