"""Scenario ``scrape`` (issue 13 point 7): what the figures read at each Prometheus scrape
cost a service's web process (servicekit/bus/monitoring.py), on PostgreSQL and RabbitMQ.

- the queue figures read from the broker (a connection of their own, a passive
  ``queue.declare`` per queue and dead-letter queue), and the same answered from the
  cache within its 15 s;
- the outbox's oldest waiting event on an outbox of ``SENT`` confirmed rows and
  ``WAITING`` rows not yet published (the partial index ``ix_outbox_unsent``).

Results in bench/results/scrape.json."""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from sqlalchemy import text

from bench import scratch
from bench.results import load_average, write_result
from servicekit.bus.monitoring import OutboxAge, QueueDepths
from servicekit.bus.tables import metadata
from servicekit.bus.topology import QueueSpec
from servicekit.bus.transport import Transport
from servicekit.db import Database

QUEUES = 3
READS = 30
CACHED_READS = 200
SENT = 1_000_000
WAITING = 10_000


def _timed(work: Callable[[], object], times: int) -> dict[str, float]:
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        work()
        spent.append((time.perf_counter() - started) * 1000)
    spent.sort()
    return {"p50_ms": round(statistics.median(spent), 3),
            "p95_ms": round(spent[max(0, int(len(spent) * 0.95) - 1)], 3)}


def run() -> None:
    load = load_average()
    name = f"bench_scrape_{scratch.suffix()}"
    with scratch.vhost(name) as broker_url, scratch.databases(name) as urls:
        specs = [QueueSpec("stats", f"bench{n}", (), 5) for n in range(QUEUES)]
        transport = Transport(broker_url)
        try:
            for spec in specs:
                transport.declare_queue(spec)
        finally:
            transport.close()
        fresh = _timed(lambda: list(QueueDepths("stats", broker_url, lambda: specs).collect()),
                       READS)
        cached = QueueDepths("stats", broker_url, lambda: specs)
        list(cached.collect())
        from_cache = _timed(lambda: list(cached.collect()), CACHED_READS)

        database = Database(urls[name].replace("postgresql://", "postgresql+psycopg://"),
                            "stats")
        try:
            metadata.create_all(database.engine)
            with database.engine.begin() as connection:
                connection.execute(text(
                    "INSERT INTO outbox (event_id, event_type, correlation_id, body, "
                    "recorded_at, sent_at) SELECT 's' || g, 'bench.v1', 'c', '{}', now(), now() "
                    "FROM generate_series(1, :n) g"), {"n": SENT})
                connection.execute(text(
                    "INSERT INTO outbox (event_id, event_type, correlation_id, body, "
                    "recorded_at) SELECT 'w' || g, 'bench.v1', 'c', '{}', now() "
                    "FROM generate_series(1, :n) g"), {"n": WAITING})
                connection.execute(text("ANALYZE outbox"))
            age = OutboxAge("stats", database)
            list(age.collect())
            outbox_age = _timed(lambda: list(age.collect()), CACHED_READS)
        finally:
            database.dispose()
    result = write_result("scrape", {
        "queue_figures_from_the_broker": fresh,
        "queue_figures_from_the_cache": from_cache,
        "outbox_age": outbox_age,
    }, {"queues": QUEUES, "dead_letter_queues": QUEUES, "outbox_sent_rows": SENT,
        "outbox_waiting_rows": WAITING, "reads": READS, "cached_reads": CACHED_READS}, load)
    print(result)
