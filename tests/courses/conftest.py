"""The courses service on the embedded default (SQLite, kombu's in-process bus), its HTTP
API through Flask's test client with tokens signed like sso's and a fixed clock: ``api``
with the units of tests/courses/courses_helpers.py already in its replica (registration
and review), ``enrol_api`` with a local SMTP sink and ``pg_courses`` on PostgreSQL
(enrolment), ``closing_api`` (closing, tests/courses/closing_support.py)."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from closing_support import closing_api  # noqa: F401  (closing: the service, a fixed clock)
from courses_factory import OPENS
from courses_helpers import NOW, unit_events
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
from services.courses.handlers import replica

SIGNER = TokenSigner()


@dataclass
class Api:
    client: FlaskClient
    runtime: Runtime
    clock: FixedClock

    def headers(self, role: str | None, unit: str | None = None, authority: str | None = None,
                subject: str | None = None) -> dict[str, str]:
        if role is None:
            return {}
        token = SIGNER.sign(subject=subject or f"{role}-{unit or authority or 1}", roles=[role],
                            unit=unit, authority=authority)
        return {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, role: str | None = None, unit: str | None = None,
             authority: str | None = None, subject: str | None = None, **kwargs: Any):
        return getattr(self.client, method)(path, headers=self.headers(role, unit, authority,
                                                                       subject), **kwargs)

    def business(self, method: str, path: str, unit: str = "353301", **kwargs: Any):
        return self.call(method, path, "business", unit=unit, **kwargs)

    def reviewer(self, method: str, path: str, authority: str = "TPE", **kwargs: Any):
        return self.call(method, path, "reviewer", authority=authority, **kwargs)


@pytest.fixture
def api(tmp_path) -> Iterator[Api]:
    clock = FixedClock(NOW)
    app = create_app(Settings.from_env("courses", {"DATA_DIR": str(tmp_path)}))
    runtime: Runtime = app.extensions["runtime"]
    runtime.clock = clock
    migrated(runtime)
    purge_queues(runtime)
    with runtime.database.session() as session:
        replica.apply_units(session, unit_events())
    settings = runtime.settings
    app.extensions["token_verifier"] = TokenVerifier(settings.token_issuer, settings.token_audience,
                                                     StaticKeySource(SIGNER.jwks))
    yield Api(app.test_client(), runtime, clock)
    purge_queues(runtime)
    runtime.database.dispose()


# -- enrolment -----------------------------------------------------------------------------

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
class EnrolApi:
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
def enrol_api(tmp_path, clock, smtp) -> Iterator[EnrolApi]:
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
    yield EnrolApi(app.test_client(), runtime)
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


@pytest.fixture
def pg_runtime(make_database, tmp_path) -> Iterator[Runtime]:
    """The search tests' catalogue (catalogue_support.build) on PostgreSQL, migrated to
    head, with the units and a fixed today."""
    from catalogue_support import build, catalogue_runtime
    runtime = catalogue_runtime(make_database("courses"), tmp_path, FixedClock(NOW))
    build(runtime)
    yield runtime
    runtime.database.dispose()
