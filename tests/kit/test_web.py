"""What every service app answers the same way: health, readiness, problems, request ids,
access declarations and the OpenAPI document (issue: platform foundation, point 1)."""
from __future__ import annotations

import pytest
from flask import Flask

from contracts.vocabulary import ROLES
from servicekit.settings import Settings
from servicekit.testing.tokens import TokenSigner
from servicekit.tokens import StaticKeySource, TokenVerifier
from services.accounts.app import create_app as create_accounts

PROBLEM = "application/problem+json"


@pytest.fixture
def signer() -> TokenSigner:
    return TokenSigner()


@pytest.fixture
def app(tmp_path, signer) -> Flask:
    from servicekit.cli import migrate
    app = create_accounts(Settings.from_env("accounts", {"DATA_DIR": str(tmp_path)}))
    migrate(app.extensions["runtime"])
    settings = app.config["SETTINGS"]
    app.extensions["token_verifier"] = TokenVerifier(
        settings.token_issuer, settings.token_audience, StaticKeySource(signer.jwks))
    return app


def test_health_and_readiness(app) -> None:
    client = app.test_client()
    assert client.get("/healthz").json == {"status": "ok", "service": "accounts"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json["checks"] == {"database": "ok", "broker": "ok"}


@pytest.mark.integration  # SQLite, and a broker URL tried
def test_readiness_is_503_naming_what_is_down(tmp_path) -> None:
    settings = Settings.from_env("accounts", {"DATA_DIR": str(tmp_path),
                                              "BROKER_URL": "amqp://guest:guest@127.0.0.1:1/"})
    response = create_accounts(settings).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["broker"].startswith("unavailable: ")
    assert response.json["checks"]["database"] == "ok"


def test_errors_are_problem_json_with_stable_types(app, signer) -> None:
    client = app.test_client()
    missing = client.get("/units/NOPE")
    assert missing.status_code == 404 and missing.mimetype == PROBLEM
    assert missing.json["type"] == "urn:inservice:problem:not-found"
    operator = {"Authorization": f"Bearer {signer.sign(subject='op-1', roles=['operator'])}"}
    invalid = client.post("/units", json={"code": "U1"}, headers=operator)
    assert invalid.status_code == 422 and invalid.mimetype == PROBLEM
    assert invalid.json["type"] == "urn:inservice:problem:validation-failed"
    assert set(invalid.json["errors"]) == {"name", "unit_type", "authority_code"}
    body = {"code": "U1", "name": "建國中學", "unit_type": "senior_high_school",
            "authority_code": "TPE"}
    assert client.post("/units", json=body, headers=operator).status_code == 201
    again = client.post("/units", json=body, headers=operator)
    assert again.status_code == 409 and again.json["type"] == "urn:inservice:problem:unit-exists"
    assert client.get("/units/U1").json["name"] == "建國中學"


def test_a_token_is_verified_by_the_service_itself(app, signer) -> None:
    client = app.test_client()
    anonymous = client.post("/units", json={})
    assert anonymous.status_code == 401
    assert anonymous.json["type"] == "urn:inservice:problem:unauthenticated"
    forged = client.post("/units", json={}, headers={
        "Authorization": f"Bearer {signer.hs256_with_public_key(sub='op-1', roles=['operator'])}"})
    assert forged.status_code == 401
    assert forged.json["type"] == "urn:inservice:problem:invalid-token"
    teacher = client.post("/units", json={}, headers={
        "Authorization": f"Bearer {signer.sign(roles=['teacher'])}"})
    assert teacher.status_code == 403 and teacher.json["type"] == "urn:inservice:problem:forbidden"


def test_the_request_id_is_taken_from_the_gateway_and_answered(app) -> None:
    response = app.test_client().get("/healthz", headers={"X-Request-Id": "gw-1234567890"})
    assert response.headers["X-Request-Id"] == "gw-1234567890"
    fresh = app.test_client().get("/healthz", headers={"X-Request-Id": "bad id!"})
    assert fresh.headers["X-Request-Id"] != "bad id!" and len(fresh.headers["X-Request-Id"]) == 32


def test_openapi_lists_every_declared_endpoint_with_its_roles(app) -> None:
    document = app.test_client().get("/openapi.json").json
    assert document["openapi"] == "3.1.0"
    post = document["paths"]["/units"]["post"]
    assert post["x-allowed-roles"] == ["admin", "operator"] and post["security"] == [{"bearer": []}]
    get = document["paths"]["/units/{code}"]["get"]
    assert get["x-allowed-roles"] == "public" and "security" not in get
    assert [p["name"] for p in get["parameters"]] == ["code"]
    assert set(ROLES) >= set(post["x-allowed-roles"])
