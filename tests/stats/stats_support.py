"""The stats service on the embedded default with a fixed clock, fed events as its
consumer applies them (``feed``: the same handler, inside one transaction per call), and
its HTTP API through Flask's test client with tokens signed like sso's."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient

from contracts.events import CATALOGUE
from contracts.events.accounts import AUTHORITY_REGISTERED, UNIT_REGISTERED
from servicekit.clock import FixedClock
from servicekit.events import Envelope, producer_of
from servicekit.service import Runtime
from servicekit.settings import Settings
from servicekit.testing.runtimes import migrated, purge_queues
from servicekit.testing.tokens import TokenSigner
from servicekit.tokens import StaticKeySource, TokenVerifier
from services.stats.app import create_app
from services.stats.handlers import intake

SIGNER = TokenSigner()
NOW = datetime(2017, 6, 15, 2, 0, tzinfo=UTC)  # 2017-06-15 10:00 in Taipei


def envelope(event_type: str, data: dict[str, Any], at: datetime = NOW) -> Envelope:
    schema = CATALOGUE.schema(event_type)
    raw = schema.dump(schema.load(data))
    return Envelope(type=event_type, source=producer_of(event_type), data=raw,
                    correlation_id="test", id=str(uuid.uuid4()), time=at)


@dataclass
class Stats:
    client: FlaskClient
    runtime: Runtime
    clock: FixedClock

    def feed(self, *events: Envelope | tuple[str, dict[str, Any]]) -> None:
        """Applies the events in order, runs of one type together, as the consumer does."""
        envelopes = [item if isinstance(item, Envelope) else envelope(*item) for item in events]
        with self.runtime.database.session() as session:
            intake.take_in_runs(session, [(CATALOGUE.load_data(e), e) for e in envelopes])

    def get(self, path: str, role: str | None = "viewer", unit: str | None = None,
            authority: str | None = None):
        headers = {}
        if role is not None:
            token = SIGNER.sign(subject=f"{role}-1", roles=[role], unit=unit,
                                authority=authority)
            headers["Authorization"] = f"Bearer {token}"
        return self.client.get(path, headers=headers)

    def report(self, path: str, **who: Any) -> dict[str, Any]:
        answer = self.get(path, **who)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return answer.get_json()


def values(report: dict[str, Any], measure: str) -> dict[str, Any]:
    """key → value of one measure, the rows that are not zero."""
    return {row["key"]: row["values"][measure] for row in report["rows"]
            if row["values"][measure]}


def unit(code: str, authority: str, county: str | None, version: int = 1,
         unit_type: str = "senior_high_school", name: str | None = None) -> tuple[str, dict]:
    return (UNIT_REGISTERED, {"unit_code": code, "name": name or f"單位{code}",
                              "unit_type": unit_type, "authority_code": authority,
                              "county_code": county, "version": version})


def authority(code: str, name: str, county: str | None) -> tuple[str, dict]:
    return (AUTHORITY_REGISTERED, {"authority_code": code, "name": name, "county_code": county,
                                   "version": 1})


def started(tmp_path: Any, database_url: str | None = None) -> Iterator[Stats]:
    environ = {"DATA_DIR": str(tmp_path)}
    if database_url:
        environ["DATABASE_URL"] = database_url
    clock = FixedClock(NOW)
    app = create_app(Settings.from_env("stats", environ))
    runtime: Runtime = app.extensions["runtime"]
    runtime.clock = clock
    migrated(runtime)
    purge_queues(runtime)
    settings = runtime.settings
    app.extensions["token_verifier"] = TokenVerifier(settings.token_issuer, settings.token_audience,
                                                     StaticKeySource(SIGNER.jwks))
    yield Stats(app.test_client(), runtime, clock)
    purge_queues(runtime)
    runtime.database.dispose()


@pytest.fixture
def stats(tmp_path) -> Iterator[Stats]:
    """The service on its embedded default (SQLite)."""
    yield from started(tmp_path)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def stats_on_both(request, tmp_path) -> Iterator[Stats]:
    """On SQLite and on PostgreSQL as in production: the figures are written by one
    statement per batch, which differs between the two."""
    url = request.getfixturevalue("make_database")("stats") if request.param == "postgresql" \
        else None
    yield from started(tmp_path, url)
