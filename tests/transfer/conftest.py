"""The transfer service's fixtures: its app on SQLite (``api``) or on a PostgreSQL
database of its own (``pg_api``), with the tokens and directory of ``transfer_helpers``."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from transfer_helpers import PLATFORM, Api, Directory

from servicekit.service import Runtime
from servicekit.settings import Settings
from servicekit.testing.runtimes import migrated, purge_queues
from servicekit.tokens import StaticKeySource, TokenVerifier
from services.transfer.app import create_app


@pytest.fixture
def api(tmp_path) -> Iterator[Api]:
    yield from _api({"DATA_DIR": str(tmp_path)})


@pytest.fixture
def pg_api(tmp_path, make_database) -> Iterator[Api]:
    """The same service on a PostgreSQL database of its own."""
    yield from _api({"DATA_DIR": str(tmp_path), "DATABASE_URL": make_database("transfer")})


def _api(environ: dict[str, str]) -> Iterator[Api]:
    app = create_app(Settings.from_env("transfer", environ))
    runtime: Runtime = migrated(app.extensions["runtime"])
    purge_queues(runtime)
    settings = runtime.settings
    keys = StaticKeySource(PLATFORM.jwks)
    app.extensions["token_verifier"] = TokenVerifier(settings.token_issuer,
                                                     settings.token_audience, keys)
    directory = Directory()
    components = runtime.components
    components.machine_tokens = TokenVerifier(settings.token_issuer, "inservice-transfer", keys)
    components.directory = directory
    yield Api(app.test_client(), runtime, directory)
    purge_queues(runtime)
    runtime.database.dispose()


