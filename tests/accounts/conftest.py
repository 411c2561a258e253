"""The accounts service on the embedded default (SQLite file, kombu's in-process bus), its
HTTP API through Flask's test client with tokens signed like the sso service's, and the
same service on a real PostgreSQL database for the bulk import path."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from accounts_helpers import make_runtime
from flask.testing import FlaskClient

from servicekit.service import Runtime
from servicekit.settings import Settings
from servicekit.testing.runtimes import migrated, purge_queues
from servicekit.testing.tokens import TokenSigner
from servicekit.tokens import StaticKeySource, TokenVerifier
from services.accounts.app import create_app

SIGNER = TokenSigner()




@dataclass
class Api:
    """The app's test client, with a token made per call from a role and its scope."""
    client: FlaskClient
    runtime: Runtime

    def headers(self, role: str | None, unit: str | None = None, authority: str | None = None,
                subject: str | None = None) -> dict[str, str]:
        if role is None:
            return {}
        token = SIGNER.sign(subject=subject or f"{role}-1", roles=[role], unit=unit,
                            authority=authority)
        return {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, role: str | None = "operator", unit: str | None = None,
             authority: str | None = None, subject: str | None = None, **kwargs: Any):
        return getattr(self.client, method)(path, headers=self.headers(role, unit, authority,
                                                                       subject), **kwargs)

    def get(self, path: str, **kwargs: Any):
        return self.call("get", path, **kwargs)

    def post(self, path: str, **kwargs: Any):
        return self.call("post", path, **kwargs)

    def patch(self, path: str, **kwargs: Any):
        return self.call("patch", path, **kwargs)

    def delete(self, path: str, **kwargs: Any):
        return self.call("delete", path, **kwargs)


@pytest.fixture
def accounts(tmp_path) -> Iterator[Runtime]:
    runtime = make_runtime({"DATA_DIR": str(tmp_path)})
    purge_queues(runtime)
    yield runtime
    purge_queues(runtime)
    runtime.database.dispose()


@pytest.fixture
def api(tmp_path) -> Iterator[Api]:
    app = create_app(Settings.from_env("accounts", {"DATA_DIR": str(tmp_path)}))
    runtime: Runtime = migrated(app.extensions["runtime"])
    purge_queues(runtime)
    settings = runtime.settings
    app.extensions["token_verifier"] = TokenVerifier(settings.token_issuer, settings.token_audience,
                                                     StaticKeySource(SIGNER.jwks))
    yield Api(app.test_client(), runtime)
    purge_queues(runtime)
    runtime.database.dispose()


@pytest.fixture
def pg_accounts(make_database) -> Iterator[Runtime]:
    runtime = make_runtime({"MODE": "production", "DATABASE_URL": make_database("accounts"),
                            "TOKEN_ISSUER": "https://inservice.test", "JWKS_URL": "http://127.0.0.1:9/jwks.json",
                            "NATIONAL_ID_HASH_KEY": "test hash key " * 4,
                            "NATIONAL_ID_ENCRYPTION_KEY": "test encryption key " * 4})
    yield runtime
    runtime.database.dispose()
