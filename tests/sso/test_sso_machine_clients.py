"""Machine clients of the transfer service's sources (R-TRF-1, R-TRF-8): OAuth 2.0 client
credentials whose token names the source, carries only the transfer scope and is for the
transfer audience; a handover switches the secret at a set moment; operators only."""
from __future__ import annotations

from datetime import timedelta

import requests

from servicekit.clock import FixedClock
from servicekit.tokens import StaticKeySource, TokenVerifier


def token_request(sso, client_id, secret, **form):
    return requests.post(sso.url + "/oauth/token", timeout=5, auth=(client_id, secret),
                         data={"grant_type": "client_credentials", **form})


def register(sso, op, source="tpc-elearn"):
    answer = sso.call("POST", "/machine-clients", op, json={
        "source": source, "name": "臺北市教師研習系統", "maintainer": "臺北市教研中心"})
    assert answer.status_code == 201, answer.text
    return answer.json()


def verifier(sso, audience="inservice-transfer"):
    jwks = requests.get(sso.metadata()["jwks_uri"].replace(sso.dependencies.config.issuer, sso.url), timeout=5).json()
    return TokenVerifier(sso.dependencies.config.issuer, audience, StaticKeySource(jwks))


def test_a_source_gets_a_token_naming_it_with_the_transfer_scope_only(sso) -> None:
    op = sso.token_for("op-1", "operator")
    client = register(sso, op)
    assert client["client_id"] == "source-tpc-elearn" and client["client_secret"]
    assert "client_credentials" in sso.metadata()["grant_types_supported"]

    answer = token_request(sso, client["client_id"], client["client_secret"])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["scope"] == "transfer" and "refresh_token" not in body and "id_token" not in body
    principal = verifier(sso).verify(body["access_token"])
    assert principal.claims["source"] == "tpc-elearn"
    assert principal.scope == frozenset({"transfer"}) and principal.roles == frozenset()
    # Not a token of the platform API: its audience is the transfer service's alone.
    try:
        verifier(sso, "inservice-api").verify(body["access_token"])
    except Exception as refusal:  # servicekit.problems.Problem
        assert getattr(refusal, "status", None) == 401
    else:
        raise AssertionError("the platform API's verifier took a machine token")


def test_wrong_secrets_other_scopes_and_strangers_are_refused(sso) -> None:
    op = sso.token_for("op-1", "operator")
    client = register(sso, op)
    wrong = token_request(sso, client["client_id"], "not-the-secret")
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    assert "Basic" in wrong.headers["WWW-Authenticate"]
    unknown = token_request(sso, "source-nobody", client["client_secret"])
    assert unknown.status_code == 401
    greedy = token_request(sso, client["client_id"], client["client_secret"],
                           scope="transfer openid")
    assert greedy.status_code == 400 and greedy.json()["error"] == "invalid_scope"
    by_form = requests.post(sso.url + "/oauth/token", timeout=5, data={
        "grant_type": "client_credentials", "client_id": client["client_id"],
        "client_secret": client["client_secret"]})
    assert by_form.status_code == 200
    # Nobody but an operator manages machine clients; a business account of the unit
    # that owns the source neither.
    business = sso.token_for("biz-1", "business", unit="313301")
    assert sso.call("POST", "/machine-clients", business, json={
        "source": "x-src", "name": "x", "maintainer": "x"}).status_code == 403
    assert sso.call("POST", f"/machine-clients/{client['client_id']}/handover", business, json={
        "at": "2030-01-01T00:00:00+08:00", "maintainer": "x"}).status_code == 403
    assert sso.call("GET", "/machine-clients", business).status_code == 403
    assert register_again(sso, op).status_code == 409
    bad = sso.call("POST", "/machine-clients", op, json={
        "source": "Bad Code!", "name": "x", "maintainer": "x"})
    assert bad.status_code == 422 and bad.json()["type"].endswith("invalid-machine-client")


def register_again(sso, op):
    return sso.call("POST", "/machine-clients", op, json={
        "source": "tpc-elearn", "name": "again", "maintainer": "someone"})


def test_a_handover_switches_the_secret_at_its_moment_and_is_logged(sso) -> None:
    clock = sso.runtime.clock = FixedClock()
    op = sso.token_for("op-1", "operator")
    client = register(sso, op)
    old = client["client_secret"]
    moment = clock.now() + timedelta(days=3)
    answer = sso.call("POST", f"/machine-clients/{client['client_id']}/handover", op,
                      json={"at": moment.isoformat(), "maintainer": "新維護廠商"})
    assert answer.status_code == 201, answer.text
    new = answer.json()["client_secret"]
    assert token_request(sso, client["client_id"], old).status_code == 200
    assert token_request(sso, client["client_id"], new).status_code == 401  # not yet
    clock.set(moment - timedelta(seconds=1))
    assert token_request(sso, client["client_id"], old).status_code == 200
    clock.set(moment)
    assert token_request(sso, client["client_id"], old).status_code == 401  # stopped
    assert token_request(sso, client["client_id"], new).status_code == 200  # started

    log = sso.call("GET", f"/machine-clients/{client['client_id']}", op).json()["secrets"]
    assert [(entry["maintainer"], entry["issued_by"]) for entry in log] == [
        ("臺北市教研中心", "op-1"), ("新維護廠商", "op-1")]
    assert log[0]["valid_until"] == log[1]["valid_from"]
    assert all("secret" not in name for entry in log for name in entry)


def test_a_handover_is_one_at_a_time_and_never_in_the_past(sso) -> None:
    clock = sso.runtime.clock = FixedClock()
    op = sso.token_for("op-1", "operator")
    client = register(sso, op)
    path = f"/machine-clients/{client['client_id']}/handover"
    past = (clock.now() - timedelta(hours=1)).isoformat()
    assert sso.call("POST", path, op, json={"at": past, "maintainer": "x"}).status_code == 422
    later = (clock.now() + timedelta(days=1)).isoformat()
    assert sso.call("POST", path, op, json={"at": later, "maintainer": "x"}).status_code == 201
    assert sso.call("POST", path, op, json={"at": later, "maintainer": "y"}).status_code == 422
    assert sso.call("POST", "/machine-clients/source-none/handover", op,
                    json={"at": later, "maintainer": "y"}).status_code == 404


def test_a_disabled_client_gets_no_more_tokens(sso) -> None:
    op = sso.token_for("op-1", "operator")
    client = register(sso, op)
    disabled = sso.call("POST", f"/machine-clients/{client['client_id']}/disable", op)
    assert disabled.json()["status"] == "disabled"
    assert token_request(sso, client["client_id"], client["client_secret"]).status_code == 401
