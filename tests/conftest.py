"""Fixtures every test folder may use: the server plugin, and services on the embedded
default (SQLite files, kombu's in-process bus) for tests that need no server; and the kinds
of test (unit, integration, e2e: ``servicekit.testing.kinds``, docs/testing.md), the unit
kind held to no I/O."""
from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from servicekit.service import Runtime, ServiceDefinition
from servicekit.settings import Settings
from servicekit.testing.runtimes import migrated, purge_queues

pytest_plugins = ["servicekit.testing.servers", "servicekit.testing.kinds", "pytester"]


@pytest.fixture
def embedded(tmp_path) -> Iterator[Callable[[ServiceDefinition], Runtime]]:
    runtimes: list[Runtime] = []

    def make(definition: ServiceDefinition, **environ: str) -> Runtime:
        settings = Settings.from_env(definition.name, {"DATA_DIR": str(tmp_path), **environ})
        runtime = migrated(Runtime(definition, settings))
        purge_queues(runtime)
        runtimes.append(runtime)
        return runtime

    yield make
    for runtime in runtimes:
        purge_queues(runtime)
        runtime.database.dispose()


def pytest_configure(config: pytest.Config) -> None:
    """matplotlib (the stats service's charts) lists the machine's fonts once, starting a
    process (``fc-list``), and keeps the list in its cache: made here, before any test, so
    that on a machine without that cache a unit test that imports the stats service does
    not start the process inside the test."""
    import matplotlib.font_manager  # noqa: F401
