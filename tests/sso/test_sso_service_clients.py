"""Issue 12 item 5: the platform's own service client ``service-transfer`` gets, by
client credentials, a token for the accounts service's audience with the scope
``accounts.teachers.lookup`` alone — no source, no roles — and registering it again with
the same secret changes nothing, with another one replaces the secret at once."""
from __future__ import annotations

import pytest
import requests

from servicekit.errors import Invalid
from servicekit.tokens import StaticKeySource, TokenVerifier

SECRET = "s" * 40


def token_request(sso, secret=SECRET, client_id="service-transfer", **form):
    return requests.post(sso.url + "/oauth/token", timeout=5, auth=(client_id, secret),
                         data={"grant_type": "client_credentials", **form})


def verifier(sso, audience):
    jwks = requests.get(sso.url + "/jwks.json", timeout=5).json()
    return TokenVerifier(sso.dependencies.config.issuer, audience, StaticKeySource(jwks))


def test_the_transfer_service_gets_a_token_for_the_accounts_lookup_only(sso) -> None:
    done = sso.dependencies.machine_clients.ensure_service_client("transfer", SECRET, "ops")
    assert done == {"client_id": "service-transfer", "registered": True,
                    "secret_replaced": False, "enabled": True}
    answer = token_request(sso)
    assert answer.status_code == 200, answer.text
    assert answer.json()["scope"] == "accounts.teachers.lookup"
    principal = verifier(sso, "inservice-accounts").verify(answer.json()["access_token"])
    assert principal.scope == frozenset({"accounts.teachers.lookup"})
    assert principal.claims["service"] == "transfer" and "source" not in principal.claims
    assert principal.roles == frozenset() and principal.subject == "service-transfer"
    for other in ("inservice-transfer", "inservice-api"):  # no push, no platform API
        with pytest.raises(Exception) as refusal:
            verifier(sso, other).verify(answer.json()["access_token"])
        assert getattr(refusal.value, "status", None) == 401
    greedy = token_request(sso, scope="accounts.teachers.lookup transfer")
    assert greedy.status_code == 400 and greedy.json()["error"] == "invalid_scope"


def test_a_source_cannot_ask_for_the_lookup_scope(sso) -> None:
    op = sso.token_for("op-1", "operator")
    client = sso.call("POST", "/machine-clients", op, json={
        "source": "tpc-elearn", "name": "臺北市教師研習系統", "maintainer": "臺北市教研中心"}).json()
    asked = token_request(sso, client["client_secret"], client["client_id"],
                          scope="accounts.teachers.lookup")
    assert asked.status_code == 400 and asked.json()["error"] == "invalid_scope"


def test_registering_again_keeps_or_replaces_the_secret(sso) -> None:
    clients = sso.dependencies.machine_clients
    clients.ensure_service_client("transfer", SECRET, "ops")
    again = clients.ensure_service_client("transfer", SECRET, "ops")
    assert again["registered"] is False and again["secret_replaced"] is False
    renewed = clients.ensure_service_client("transfer", "t" * 40, "ops")
    assert renewed["secret_replaced"] is True
    assert token_request(sso).status_code == 401  # the old secret stopped at once
    assert token_request(sso, "t" * 40).status_code == 200
    with pytest.raises(Invalid):
        clients.ensure_service_client("transfer", "short", "ops")
    with pytest.raises(Invalid):
        clients.ensure_service_client("courses", SECRET, "ops")  # no grant for it
