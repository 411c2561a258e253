"""Services on the embedded default (SQLite files, kombu's in-process bus): fast tests of
the kit's behaviour that need no server."""
from __future__ import annotations

from typing import Callable, Iterator

import kombu
import pytest

from servicekit.bus import topology
from servicekit.testing.runtimes import migrated
from servicekit.service import Runtime, ServiceDefinition
from servicekit.settings import Settings
from services.accounts.bootstrap import DEFINITION as ACCOUNTS
from services.courses.bootstrap import DEFINITION as COURSES


def _purge(runtime: Runtime) -> None:
    # The in-process broker is one per process: empty what earlier tests left behind.
    with kombu.Connection(runtime.settings.broker_url) as connection:
        channel = connection.default_channel
        for subscription in runtime.subscriptions():
            for name in (subscription.queue.name, subscription.queue.dead_letter_queue):
                kombu.Queue(name)(channel).purge()
        kombu.Queue(topology.UNROUTED_QUEUE)(channel).purge()


@pytest.fixture
def embedded(tmp_path) -> Iterator[Callable[[ServiceDefinition], Runtime]]:  # type: ignore[no-untyped-def]
    runtimes: list[Runtime] = []

    def make(definition: ServiceDefinition, **environ: str) -> Runtime:
        settings = Settings.from_env(definition.name, {"DATA_DIR": str(tmp_path), **environ})
        runtime = migrated(Runtime(definition, settings))
        _purge(runtime)
        runtimes.append(runtime)
        return runtime

    yield make
    for runtime in runtimes:
        _purge(runtime)
        runtime.database.dispose()


@pytest.fixture
def accounts(embedded) -> Runtime:  # type: ignore[no-untyped-def]
    return embedded(ACCOUNTS)


@pytest.fixture
def courses(embedded) -> Runtime:  # type: ignore[no-untyped-def]
    return embedded(COURSES, DELIVERY_LIMIT="3")
