"""Services on the embedded default (SQLite files, kombu's in-process bus): fast tests of
the kit's behaviour that need no server."""
from __future__ import annotations

from typing import Callable, Iterator

import pytest

from servicekit.testing.runtimes import migrated, purge_queues
from servicekit.service import Runtime, ServiceDefinition
from servicekit.settings import Settings
from services.accounts.bootstrap import DEFINITION as ACCOUNTS
from services.courses.bootstrap import DEFINITION as COURSES




@pytest.fixture
def embedded(tmp_path) -> Iterator[Callable[[ServiceDefinition], Runtime]]:  # type: ignore[no-untyped-def]
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


@pytest.fixture
def accounts(embedded) -> Runtime:  # type: ignore[no-untyped-def]
    return embedded(ACCOUNTS)


@pytest.fixture
def courses(embedded) -> Runtime:  # type: ignore[no-untyped-def]
    return embedded(COURSES, DELIVERY_LIMIT="3")
