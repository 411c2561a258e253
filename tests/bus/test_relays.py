"""Several relays on one outbox never publish the same row at once (FOR UPDATE SKIP
LOCKED), and a batch the broker did not confirm stays unsent (issue: platform
foundation, point 3). Real PostgreSQL; the broker is a recording fake here."""
from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from servicekit.bus.publisher import Done, PublishFailed
from servicekit.bus.relay import Relay
from servicekit.bus.tables import outbox
from servicekit.cli import upgrade
from servicekit.db import Database
from services.accounts.bootstrap import DEFINITION as ACCOUNTS

pytestmark = pytest.mark.postgres


class RecordingPublisher:
    def __init__(self, published: Counter, lock: threading.Lock, fail: bool = False) -> None:
        self.published, self.lock, self.fail = published, lock, fail

    def publish_batch(self, messages) -> None:
        time.sleep(0.01)  # long enough for another relay to try the same rows meanwhile
        if self.fail:
            raise PublishFailed("no confirm")
        with self.lock:
            self.published.update(message.message_id for message in messages)

    def start_batch(self, messages):
        self.publish_batch(messages)
        return Done()

    def close(self) -> None:
        pass


def fill_outbox(database: Database, count: int) -> None:
    from contracts.events import CATALOGUE
    from contracts.events.accounts import UNIT_REGISTERED
    from servicekit.bus.outbox import Outbox
    recorder = Outbox("accounts", CATALOGUE)
    envelopes = [recorder.envelope(UNIT_REGISTERED, {
        "unit_code": f"U{i}", "name": "學校", "unit_type": "elementary_school",
        "authority_code": "TPE", "version": 1}) for i in range(count)]
    with database.session() as session:
        recorder.record_many(session, envelopes)


def test_four_relays_publish_every_row_exactly_once(make_database) -> None:
    database = Database(make_database("accounts"))
    upgrade(ACCOUNTS.migrations_dir, database)
    fill_outbox(database, 2000)
    published: Counter = Counter()
    lock = threading.Lock()
    relays = [Relay("accounts", database, lambda: RecordingPublisher(published, lock),
                    batch_size=50, idle_seconds=0.01) for _ in range(4)]
    stop = threading.Event()
    threads = [threading.Thread(target=relay.run, args=(stop,)) for relay in relays]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while relays[0].backlog() and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    for thread in threads:
        thread.join(10)
    assert len(published) == 2000
    assert max(published.values()) == 1  # no row went out twice
    database.dispose()


def test_an_unconfirmed_batch_stays_unsent(make_database) -> None:
    database = Database(make_database("accounts"))
    upgrade(ACCOUNTS.migrations_dir, database)
    fill_outbox(database, 10)
    relay = Relay("accounts", database, lambda: RecordingPublisher(Counter(), threading.Lock(),
                                                                    fail=True))
    with pytest.raises(PublishFailed):
        relay.relay_once()
    with database.engine.connect() as connection:
        unsent = connection.scalar(select(func.count()).select_from(outbox)
                                   .where(outbox.c.sent_at.is_(None)))
    assert unsent == 10
    database.dispose()


class OverlappingPublisher:
    """Confirms a batch only when the relay waits for it, and records what happened in
    which order; the first ``failing`` batches are refused when waited for."""

    def __init__(self, stop: threading.Event, failing: int = 0) -> None:
        self.log: list[str] = []
        self.sent: list[str] = []
        self.stop, self.failing, self.batches = stop, failing, 0

    def start_batch(self, messages):
        self.batches += 1
        number = self.batches
        self.log.append(f"sent {number}")
        self.sent += [message.message_id for message in messages]
        publisher = self

        class Confirmation:
            def wait(self) -> None:
                publisher.log.append(f"confirmed {number}")
                if number <= publisher.failing:
                    publisher.stop.set()
                    raise PublishFailed("refused")
        return Confirmation()

    def publish_batch(self, messages) -> None:
        self.start_batch(messages).wait()

    def close(self) -> None:
        pass


def outbox_ids(database: Database, sent: bool) -> list[str]:
    with database.engine.connect() as connection:
        return list(connection.scalars(
            select(outbox.c.event_id).where(outbox.c.sent_at.isnot(None) if sent
                                            else outbox.c.sent_at.is_(None))
            .order_by(outbox.c.position)))


def test_the_next_batch_goes_out_while_the_broker_confirms_the_last_and_order_is_kept(make_database) -> None:
    database = Database(make_database("accounts"))
    upgrade(ACCOUNTS.migrations_dir, database)
    fill_outbox(database, 25)
    stop = threading.Event()
    publisher = OverlappingPublisher(stop)
    relay = Relay("accounts", database, lambda: publisher, batch_size=10, idle_seconds=0.01)
    thread = threading.Thread(target=relay.run, args=(stop,))
    thread.start()
    deadline = time.monotonic() + 30
    while relay.backlog() and time.monotonic() < deadline:
        time.sleep(0.02)
    stop.set()
    thread.join(10)
    assert publisher.log == ["sent 1", "sent 2", "confirmed 1", "sent 3", "confirmed 2",
                             "confirmed 3"]
    assert publisher.sent == outbox_ids(database, sent=True)  # each once, in outbox order
    assert len(publisher.sent) == 25
    database.dispose()


def test_when_a_batch_is_refused_the_batch_sent_behind_it_stays_unsent_too(make_database) -> None:
    database = Database(make_database("accounts"))
    upgrade(ACCOUNTS.migrations_dir, database)
    fill_outbox(database, 20)
    stop = threading.Event()
    publisher = OverlappingPublisher(stop, failing=1)
    relay = Relay("accounts", database, lambda: publisher, batch_size=10, idle_seconds=0.01)
    relay.run(stop)  # returns after the refusal: the publisher stops it
    assert publisher.log == ["sent 1", "sent 2", "confirmed 1"]
    assert len(outbox_ids(database, sent=False)) == 20  # both go out again
    database.dispose()
