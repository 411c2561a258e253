"""The kit's part of the monitoring metrics (issue 13 point 7, R-OPS-2): a count waits for
the commit that makes it true, and the bus figures the web process reads when Prometheus
scrapes it — the outbox's oldest waiting event, each queue's depth and consumers, its dead
letters — on the in-process bus and on RabbitMQ, cached, and left out (never made up)
when the server is away."""
from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

import kombu
import pika
import pytest
from prometheus_client import REGISTRY, CollectorRegistry, Counter
from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from servicekit import metrics, outage
from servicekit.bus.monitoring import OutboxAge, QueueDepths
from servicekit.bus.tables import outbox
from servicekit.bus.topology import QueueSpec
from servicekit.bus.transport import Transport
from services.stats.bootstrap import DEFINITION as STATS

pytestmark = pytest.mark.integration  # SQLite files, the in-process bus, RabbitMQ

COUNTED = Counter("test_scraped_things", "counted in these tests", ["case"],
                  registry=CollectorRegistry())


def counted(case: str) -> float:
    return COUNTED.labels(case)._value.get()


def test_a_count_waits_for_the_commit_and_a_rollback_forgets_it(embedded) -> None:
    runtime = embedded(STATS)
    with Session(runtime.database.engine) as session:
        with session.begin():
            metrics.count_after_commit(session, COUNTED.labels("committed"), 2)
            assert counted("committed") == 0  # not before the commit
        assert counted("committed") == 2
        with pytest.raises(RuntimeError), session.begin():
            metrics.count_after_commit(session, COUNTED.labels("rolled-back"))
            raise RuntimeError
        assert counted("rolled-back") == 0
        with session.begin():
            metrics.count_after_commit(session, COUNTED.labels("outer"))
            with pytest.raises(RuntimeError), session.begin_nested():
                metrics.count_after_commit(session, COUNTED.labels("savepoint-undone"))
                raise RuntimeError
            with session.begin_nested():
                metrics.count_after_commit(session, COUNTED.labels("savepoint-kept"))
            assert counted("savepoint-kept") == 0  # released, not committed yet
        assert (counted("outer"), counted("savepoint-undone"), counted("savepoint-kept")) == \
            (1, 0, 1)
        with pytest.raises(RuntimeError), session.begin():
            with session.begin_nested():
                metrics.count_after_commit(session, COUNTED.labels("released-then-undone"))
            raise RuntimeError
        assert counted("released-then-undone") == 0


def outbox_row(runtime, recorded_at: datetime, sent: bool = False) -> None:
    with runtime.database.engine.begin() as connection:
        connection.execute(insert(outbox).values(
            event_id=f"e-{recorded_at.timestamp()}", event_type="stats.test.v1",
            correlation_id="c", body="{}", recorded_at=recorded_at,
            sent_at=recorded_at if sent else None))


def test_the_outbox_age_is_the_oldest_unsent_events_wait(embedded) -> None:
    runtime = embedded(STATS)
    now = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
    with runtime.database.engine.begin() as connection:
        connection.execute(update(outbox).values(sent_at=now))  # what migrating recorded
    age = OutboxAge("stats", runtime.database, now=lambda: now)

    def read() -> list[tuple[dict[str, str], float]]:
        return [(s.labels, s.value) for family in age.collect() for s in family.samples]

    assert read() == [({"service": "stats"}, 0.0)]  # nothing waits
    outbox_row(runtime, now - timedelta(hours=2), sent=True)
    outbox_row(runtime, now - timedelta(seconds=90))
    outbox_row(runtime, now - timedelta(seconds=30))
    assert read() == [({"service": "stats"}, 90.0)]
    with runtime.database.engine.begin() as connection:
        connection.execute(update(outbox).values(sent_at=now))
    assert read() == [({"service": "stats"}, 0.0)]


def samples(collector) -> dict[tuple[str, str], float]:
    return {(s.name, s.labels["queue"]): s.value
            for family in collector.collect() for s in family.samples}


def test_queue_depths_on_the_in_process_bus(embedded) -> None:
    runtime = embedded(STATS)
    spec = runtime.subscriptions()[0].queue
    transport = runtime.transport()
    try:
        transport.declare_queue(spec)
        with kombu.Connection(runtime.settings.broker_url) as connection:
            producer = connection.Producer()
            for _ in range(3):
                producer.publish(b"{}", exchange="", routing_key=spec.name)
            producer.publish(b"{}", exchange="", routing_key=spec.dead_letter_queue)
        depths = QueueDepths("stats", runtime.settings.broker_url, lambda: [spec])
        # The in-process bus cannot tell its consumers: that series is left out.
        assert samples(depths) == {("inservice_queue_messages_ready", spec.name): 3,
                                   ("inservice_dead_letters", spec.name): 1}
    finally:
        transport.close()


@pytest.mark.rabbitmq
def test_queue_depths_and_consumers_on_rabbitmq(rabbitmq_vhost) -> None:
    spec = QueueSpec("stats", "events", ("courses.course.reviewed.v1",), 5)
    missing = QueueSpec("stats", "not-declared", (), 5)
    transport = Transport(rabbitmq_vhost)
    try:
        transport.declare_queue(spec)
    finally:
        transport.close()
    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq_vhost))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        for _ in range(4):
            channel.basic_publish("", spec.name, b"{}")
        for _ in range(2):
            channel.basic_publish("", spec.dead_letter_queue, b"{}")
        depths = QueueDepths("stats", rabbitmq_vhost, lambda: [spec, missing])
        assert samples(depths) == {("inservice_queue_messages_ready", spec.name): 4,
                                   ("inservice_queue_consumers", spec.name): 0,
                                   ("inservice_dead_letters", spec.name): 2}
        # A consumer reads the queue (prefetch 1: one message taken, three ready).
        reader = connection.channel()
        reader.basic_qos(prefetch_count=1)
        reader.basic_consume(spec.name, lambda *_: None)
        connection.process_data_events(time_limit=0.5)
        fresh = QueueDepths("stats", rabbitmq_vhost, lambda: [spec])
        assert samples(fresh)[("inservice_queue_consumers", spec.name)] == 1
        assert samples(fresh)[("inservice_queue_messages_ready", spec.name)] == 3
    finally:
        connection.close()


def test_the_broker_is_asked_at_most_once_per_ttl(embedded) -> None:
    runtime = embedded(STATS)
    spec = runtime.subscriptions()[0].queue
    clock = [100.0]
    depths = QueueDepths("stats", runtime.settings.broker_url, lambda: [spec], ttl=15,
                         monotonic=lambda: clock[0])
    reads: list[int] = []
    original = depths._read

    def counting() -> dict:
        reads.append(1)
        return original()

    depths._read = counting  # type: ignore[method-assign]
    for _ in range(5):
        list(depths.collect())
    clock[0] += 14.9
    list(depths.collect())
    assert len(reads) == 1
    clock[0] += 0.2
    list(depths.collect())
    assert len(reads) == 2


def test_a_broker_that_does_not_answer_leaves_the_figures_out_quickly_said_once(caplog) -> None:
    spec = QueueSpec("stats", "events", (), 5)
    clock = [0.0]
    depths = QueueDepths("stats", "amqp://guest:guest@127.0.0.1:1/", lambda: [spec], timeout=1,
                         monotonic=lambda: clock[0])
    outage.forget_all()
    try:
        started = time.monotonic()
        assert samples(depths) == {}
        assert time.monotonic() - started < 5
        clock[0] += 20  # the next reading, still refused
        assert samples(depths) == {}
        assert outage.tracker("stats", outage.BROKER).down
        said = [r for r in caplog.records if r.name == "servicekit.outage"]
        assert len(said) == 1 and "lost the broker" in said[0].getMessage()
        # No stack trace of ours (pika's own loggers are silenced by servicekit.logs).
        assert not [r for r in caplog.records if r.exc_info and not r.name.startswith("pika")]
    finally:
        outage.forget_all()


def test_a_database_that_does_not_answer_leaves_the_outbox_age_out(tmp_path, caplog) -> None:
    from servicekit.db import Database
    database = Database("postgresql+psycopg://nobody@127.0.0.1:1/none", "stats")
    outage.forget_all()
    try:
        assert list(OutboxAge("stats", database).collect()) == []
        assert outage.tracker("stats", outage.DATABASE).down
    finally:
        outage.forget_all()
        database.dispose()


def test_scraped_figures_are_served_by_metrics_in_one_process_and_under_gunicorn(
        embedded, monkeypatch, tmp_path) -> None:
    runtime = embedded(STATS)
    metrics.scraped_by("stats", runtime.scraped_figures())
    single, _ = metrics.render()
    assert b'inservice_outbox_oldest_age_seconds{service="stats"}' in single
    assert b'inservice_queue_messages_ready{queue="stats.events",service="stats"}' in single
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    several, _ = metrics.render()
    assert b'inservice_outbox_oldest_age_seconds{service="stats"}' in several
    # A service's app made again replaces its collectors: one series, not two.
    metrics.scraped_by("stats", runtime.scraped_figures())
    again, _ = metrics.render()
    assert again.count(b'inservice_outbox_oldest_age_seconds{service="stats"}') == 1
    assert REGISTRY.get_sample_value("inservice_outbox_oldest_age_seconds",
                                     {"service": "stats"}) is not None


def test_a_figure_that_fails_is_left_out_and_the_scrape_still_answers() -> None:
    class Broken:
        def collect(self):
            raise OSError("database away")

        def describe(self):
            return []

    metrics.scraped_by("broken-for-test", [Broken()])
    try:
        body, _ = metrics.render()
        assert b"http_requests_total" in body or b"# HELP" in body
    finally:
        metrics.scraped_by("broken-for-test", [])


@pytest.mark.rabbitmq
def test_the_services_own_broker_user_may_read_its_queues_depths(rabbitmq_vhost,
                                                                  broker_users) -> None:
    """As production runs it: the service's own user (servicekit.bus.access), with the
    rights it has and no more."""
    spec = QueueSpec("stats", "events", ("courses.course.reviewed.v1",), 5)
    transport = Transport(rabbitmq_vhost)
    try:
        transport.declare_queue(spec)
    finally:
        transport.close()
    depths = QueueDepths("stats", broker_users("stats"), lambda: [spec])
    assert samples(depths) == {("inservice_queue_messages_ready", spec.name): 0,
                               ("inservice_queue_consumers", spec.name): 0,
                               ("inservice_dead_letters", spec.name): 0}


def test_a_database_without_the_outbox_table_leaves_the_age_out_quietly(tmp_path,
                                                                       caplog) -> None:
    """Not migrated yet (or a runtime whose file is gone, in tests): no figure and no trace
    at each scrape; readiness is where a missing schema is said."""
    from servicekit.db import Database
    database = Database(f"sqlite:///{tmp_path / 'empty.sqlite3'}", "stats")
    try:
        with caplog.at_level(logging.DEBUG):
            assert list(OutboxAge("stats", database).collect()) == []
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    finally:
        database.dispose()
