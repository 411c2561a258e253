"""A service as a deployment leaves it, for tests."""
from __future__ import annotations

from datetime import timedelta

import kombu

from servicekit.bus import topology
from servicekit.bus.relay import tidy_outbox
from servicekit.cli import migrate
from servicekit.service import Runtime


def migrated(runtime: Runtime) -> Runtime:
    """Migrated, its reference events (``after_migrate``) published and tidied away, so
    the outbox a test looks at holds only what the test did."""
    migrate(runtime)
    relay_all(runtime)
    tidy_outbox(runtime.database, keep=timedelta(0))
    return runtime


def relay_all(runtime: Runtime) -> int:
    """Every event waiting in the runtime's outbox, published; how many."""
    relay, sent = runtime.relay(), 0
    try:
        while batch := relay.relay_once():
            sent += batch
    finally:
        relay.close()
    return sent


def purge_queues(runtime: Runtime) -> None:
    """Empty the runtime's queues, their dead letters and the unrouted queue: the
    in-process broker is one per test process, so earlier tests leave messages behind."""
    with kombu.Connection(runtime.settings.broker_url) as connection:
        channel = connection.default_channel
        for subscription in runtime.subscriptions():
            for name in (subscription.queue.name, subscription.queue.dead_letter_queue):
                kombu.Queue(name)(channel).purge()
        kombu.Queue(topology.UNROUTED_QUEUE)(channel).purge()
