"""Every endpoint of every service, called by every role and by nobody: an endpoint answers
401 without a token unless it is public, 403 to a role it does not allow, and neither to a
role it allows (R-ACC roles; least privilege, REQUIREMENTS "Actors and roles"). Protocol
endpoints (OAuth, OIDC) ask for no role and answer 401 by their own rules, never 403."""
from __future__ import annotations

import importlib
import re

import pytest

from contracts.vocabulary import ROLES
from servicekit.cli import migrate
from servicekit.settings import SERVICES, Settings
from servicekit.testing.tokens import TokenSigner
from servicekit.tokens import StaticKeySource, TokenVerifier

SIGNER = TokenSigner()


def endpoints():  # type: ignore[no-untyped-def]
    for service in SERVICES:
        api = importlib.import_module(f"services.{service}.api").api
        for endpoint in api.endpoints:
            yield pytest.param(service, endpoint, id=f"{service} {endpoint.method} {endpoint.rule}")


@pytest.fixture(scope="module")
def clients(tmp_path_factory):  # type: ignore[no-untyped-def]
    made = {}
    for service in SERVICES:
        app = importlib.import_module(f"services.{service}.app").create_app(
            Settings.from_env(service, {"DATA_DIR": str(tmp_path_factory.mktemp(service))}))
        migrate(app.extensions["runtime"])
        settings = app.config["SETTINGS"]
        app.extensions["token_verifier"] = TokenVerifier(
            settings.token_issuer, settings.token_audience, StaticKeySource(SIGNER.jwks))
        made[service] = app.test_client()
    return made


def test_every_service_declares_endpoints_only_through_its_api() -> None:
    for service in SERVICES:
        app = importlib.import_module(f"services.{service}.app").create_app(
            Settings.from_env(service, {"DATA_DIR": "/nonexistent"}))
        declared = {(e.method, e.rule) for e in importlib.import_module(
            f"services.{service}.api").api.endpoints}
        kit_routes = {"/healthz", "/readyz", "/metrics", "/openapi.json", "/static/<path:filename>"}
        for rule in app.url_map.iter_rules():
            if rule.rule in kit_routes:
                continue
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (method, rule.rule) in declared, f"{service}: {method} {rule.rule} undeclared"


@pytest.mark.parametrize("service, endpoint", list(endpoints()))
def test_each_role_gets_exactly_what_the_endpoint_allows(clients, service, endpoint) -> None:  # type: ignore[no-untyped-def]
    client = clients[service]
    path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", "X", endpoint.rule)
    call = getattr(client, endpoint.method.lower())
    anonymous = call(path, json={})
    if endpoint.access.protocol:  # its own protocol's authentication: 401 is its answer
        assert anonymous.status_code != 403
    elif endpoint.access.public:
        assert anonymous.status_code not in (401, 403)
    else:
        assert anonymous.status_code == 401
    for role in ROLES:
        token = SIGNER.sign(subject=f"{role}-1", roles=[role])
        answer = call(path, json={}, headers={"Authorization": f"Bearer {token}"})
        if endpoint.access.protocol:
            assert answer.status_code != 403, f"{role} refused by role"
        elif endpoint.access.public or role in endpoint.access.roles:
            assert answer.status_code not in (401, 403), f"{role} refused"
        else:
            assert answer.status_code == 403, f"{role} let through"
