"""The courses service for enrolment tests: its runtime on the embedded default (SQLite,
in-process bus) with a clock the test moves, the HTTP API through Flask's test client
with tokens signed like sso's, the same service on PostgreSQL, and a local SMTP sink."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from courses_factory import OPENS
from flask.testing import FlaskClient

from servicekit.clock import FixedClock
from servicekit.service import Runtime
from servicekit.settings import Settings
from servicekit.testing.runtimes import migrated, purge_queues
from servicekit.testing.smtp import SmtpSink
from servicekit.testing.tokens import TokenSigner
from servicekit.tokens import StaticKeySource, TokenVerifier
from services.courses.app import create_app
from services.courses.bootstrap import DEFINITION

SIGNER = TokenSigner()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(OPENS)


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    yield sink
    sink.shutdown()
    sink.server_close()


@dataclass
class Api:
    client: FlaskClient
    runtime: Runtime

    def call(self, method: str, path: str, role: str | None = "teacher",
             subject: str = "teacher-1", unit: str | None = None, **kwargs: Any):
        headers = {}
        if role is not None:
            token = SIGNER.sign(subject=subject, roles=[role], unit=unit)
            headers["Authorization"] = f"Bearer {token}"
        return getattr(self.client, method)(path, headers=headers, **kwargs)


@pytest.fixture
def api(tmp_path, clock, smtp) -> Iterator[Api]:
    settings = Settings.from_env("courses", {"DATA_DIR": str(tmp_path),
                                             "COURSES_SMTP_PORT": str(smtp.port)})
    app = create_app(settings)
    runtime: Runtime = app.extensions["runtime"]
    runtime.clock = clock
    migrated(runtime)
    purge_queues(runtime)
    app.extensions["token_verifier"] = TokenVerifier(settings.token_issuer,
                                                     settings.token_audience,
                                                     StaticKeySource(SIGNER.jwks))
    yield Api(app.test_client(), runtime)
    purge_queues(runtime)
    runtime.database.dispose()


@pytest.fixture
def pg_courses(make_database, clock) -> Iterator[Runtime]:
    settings = Settings.from_env("courses", {
        "MODE": "production", "DATABASE_URL": make_database("courses"),
        "TOKEN_ISSUER": "https://inservice.test", "JWKS_URL": "http://127.0.0.1:9/jwks.json"})
    runtime = Runtime(DEFINITION, settings, clock=clock)
    from servicekit.cli import migrate
    migrate(runtime)
    yield runtime
    runtime.database.dispose()
