"""Every endpoint of every service, called by every role and by nobody, answers as the
table written by hand says (tests/authorisation_table.py: R-ACC roles; least privilege,
REQUIREMENTS "Actors and roles"): 401 without a token unless it is public, 403 to a role
it does not allow, neither to a role it allows, and never a 5xx to a call it lets through.
Protocol endpoints (OAuth, OIDC) ask for no role and answer 401 by their own rules, never
403. An endpoint without a row, or a row without an endpoint, fails."""
from __future__ import annotations

import importlib
import re

import pytest

from contracts.vocabulary import ROLES
from servicekit.cli import migrate
from servicekit.settings import SERVICES, Settings
from servicekit.testing.tokens import TokenSigner
from servicekit.tokens import StaticKeySource, TokenVerifier
from tests.authorisation_table import ROLE_COLUMNS, rows

SIGNER = TokenSigner()
TABLE = rows()
FLASK_ROUTES = {"/static/<path:filename>"}  # Flask's own static files, where a service has them
PROBLEM = "application/problem+json"


def kit_route(rule: str) -> bool:
    return ("*", "GET", rule) in TABLE


def routes(service: str) -> set[tuple[str, str]]:
    """(method, rule) of every route the service's app serves."""
    app = importlib.import_module(f"services.{service}.app").create_app(
        Settings.from_env(service, {"DATA_DIR": "/nonexistent"}))
    return {(method, rule.rule) for rule in app.url_map.iter_rules() if rule.rule not in FLASK_ROUTES
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def declared(service: str) -> set[tuple[str, str]]:
    return {(e.method, e.rule) for e in importlib.import_module(f"services.{service}.api").api.endpoints}


def row_of(service: str, method: str, rule: str) -> dict[str, str]:
    return TABLE.get((service, method, rule)) or TABLE[("*", method, rule)]


def served() -> list:  # type: ignore[type-arg]
    return [pytest.param(service, method, rule, id=f"{service} {method} {rule}")
            for service in SERVICES for method, rule in sorted(routes(service))]


def test_the_table_names_every_role_there_is() -> None:
    assert set(ROLE_COLUMNS) == set(ROLES)


def test_every_service_declares_endpoints_only_through_its_api() -> None:
    for service in SERVICES:
        for method, rule in routes(service) - declared(service):
            assert kit_route(rule), f"{service}: {method} {rule} undeclared"


def test_every_endpoint_has_a_row_and_every_row_an_endpoint() -> None:
    served_everywhere = {(service, method, rule) for service in SERVICES
                         for method, rule in routes(service)}
    without_row = {(service, method, rule) for service, method, rule in served_everywhere
                   if (service, method, rule) not in TABLE and not kit_route(rule)}
    assert without_row == set(), "endpoints without a row in tests/authorisation_table.py"
    every_service_has = {(service, method, rule) for service in SERVICES
                         for (star, method, rule) in TABLE if star == "*"}
    without_endpoint = ({key for key in TABLE if key[0] != "*"} | every_service_has) - served_everywhere
    assert without_endpoint == set(), "rows of tests/authorisation_table.py nobody serves"


def test_the_table_is_read_as_written() -> None:
    # The parser, on rows whose cells a reader can check by eye.
    assert TABLE[("accounts", "POST", "/teachers/national-id-exports")] == {
        "anon": "no", "teacher": "no", "business": "no", "reviewer": "no",
        "operator": "yes", "viewer": "no", "admin": "no"}
    assert TABLE[("sso", "GET", "/oauth/userinfo")] == dict.fromkeys(("anon", *ROLE_COLUMNS), "own")
    assert TABLE[("*", "GET", "/healthz")] == dict.fromkeys(("anon", *ROLE_COLUMNS), "yes")


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


def check(cell: str, who: str, answer) -> None:  # type: ignore[no-untyped-def]
    status = answer.status_code
    if cell == "no" and who == "anonymous":
        assert status == 401, f"anonymous let through: {status}"
        assert answer.mimetype == PROBLEM
        assert answer.get_json()["type"] == "urn:inservice:problem:unauthenticated"
    elif cell == "no":
        assert status == 403, f"{who} let through: {status}"
        assert answer.mimetype == PROBLEM
        assert answer.get_json()["type"] == "urn:inservice:problem:forbidden"
    elif cell == "yes":
        assert status not in (401, 403), f"{who} refused: {status}"
        assert status < 500, f"{who} got a server error: {status} {answer.get_data(as_text=True)[:300]}"
    else:  # own: the protocol's answer, never a refusal by role
        assert status != 403, f"{who} refused by role"
        assert status < 500, f"{who} got a server error: {status} {answer.get_data(as_text=True)[:300]}"


@pytest.mark.parametrize("service, method, rule", served())
def test_each_role_gets_exactly_what_the_table_allows(clients, service, method, rule) -> None:  # type: ignore[no-untyped-def]
    expected = row_of(service, method, rule)
    path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", "X", rule)
    call = getattr(clients[service], method.lower())
    check(expected["anon"], "anonymous", call(path, json={}))
    for role in ROLE_COLUMNS:
        token = SIGNER.sign(subject=f"{role}-1", roles=[role])
        check(expected[role], role, call(path, json={}, headers={"Authorization": f"Bearer {token}"}))
