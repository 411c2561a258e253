"""The whole platform fuzzed through its merged OpenAPI (issue 8, item 12; R-GW-1): every
operation the gateway documents at /api/openapi.json, with schemathesis's boundary cases
(valid and invalid) and generated requests, signed in as a teacher and as an operator. No
answer may be a server error (5xx), and no documented answer may come in an undocumented
content type.

Everything runs in this process (launcher/embedded.py: SQLite, the in-process bus, free
ports), so the test needs no server and runs on every change. Each identity gets its own
throwaway platform, one after the other (the in-process bus is one per process): what
the operator's requests change (units, partners, signing keys, campaigns) never reaches
the teacher's run, and no run can lock the other's identity out. The runs are the same
every time: a fixed seed, derandomized generation, a bounded number of cases."""
from __future__ import annotations

import base64
import hashlib
import importlib
import re
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from gateway.openapi import merge
from launcher.embedded import EmbeddedPlatform
from launcher.registry import DEFINITIONS
from servicekit.service import Runtime
from servicekit.settings import SERVICE_PORTS, SERVICES, Settings
from servicekit.testing.processes import free_port
from servicekit.testing.runtimes import purge_queues
from services.sso.adapters.accounts_repo import AccountRepository
from services.sso.handlers.credentials import has_password, set_passwords

# The embedded platform behind its gateway, over HTTP.
pytestmark = pytest.mark.e2e

SEED = 20261203
MAX_EXAMPLES = 5  # generated cases per operation, on top of the boundary cases
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]
IDENTITIES = {  # demo logins and their demo passwords (services/sso/seed.py)
    "teacher": ("teacher00001", "demo-teacher00001"),
    "operator": ("operator", "demo-operator"),
}
_HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')


def merged_document() -> dict[str, Any]:
    """What the gateway serves at /api/openapi.json, merged the same way (gateway/openapi.py)
    from the services' own documents: schemathesis makes the cases when the tests are
    collected, before a platform runs. The first test checks the two are the same."""
    return merge({service: importlib.import_module(f"services.{service}.api").api.openapi(service)
                  for service in SERVICES})


platform_api = schemathesis.openapi.from_dict(merged_document(), config=schemathesis.Config.from_dict({
    "seed": SEED,
    "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none",
                   "mode": "all"},
    "phases": {"stateful": {"enabled": False}},
}))


def callable_by(role: str | None) -> Callable[[Any], bool]:
    """Operations this role may call (None: those anyone may). Every other role gets a 403
    before its request is read (tests/test_authorisation_matrix.py): fuzzing that here
    would only cost time."""
    def matches(context: Any) -> bool:
        allowed = context.operation.definition.raw["x-allowed-roles"]
        if role is None:
            return allowed in ("public", "protocol")
        return isinstance(allowed, list) and role in allowed
    matches.__name__ = f"callable_by_{role or 'anyone'}"
    return matches


# -- the platforms ----------------------------------------------------------------------------
@dataclass(frozen=True)
class SignedIn:
    identity: str
    gateway: str
    headers: dict[str, str]
    platform: EmbeddedPlatform


class Platforms:
    """One embedded platform at a time, signed in as one identity."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self._tmp_path_factory = tmp_path_factory
        self.current: SignedIn | None = None

    def signed_in_as(self, identity: str) -> SignedIn:
        if self.current is None or self.current.identity != identity:
            self.stop()
            self.current = start_signed_in(identity, str(self._tmp_path_factory.mktemp(identity)))
        return self.current

    def stop(self) -> None:
        if self.current is not None:
            self.current.platform.shutdown()
            _purge(self.current.platform.environ)
            self.current = None


def start_signed_in(identity: str, data_dir: str) -> SignedIn:
    ports = {name: free_port() for name in SERVICE_PORTS}
    environ = {"DATA_DIR": data_dir, "LOG_LEVEL": "CRITICAL",
               "PUBLIC_URL": f"http://127.0.0.1:{ports['gateway']}",
               # One client sends thousands of requests a minute here.
               "GATEWAY_RATE_LIMIT_AUTHENTICATED": "1000000/minute",
               "GATEWAY_RATE_LIMIT_ANONYMOUS": "1000000/minute",
               "SSO_ARGON2_TIME_COST": "1", "SSO_ARGON2_MEMORY_KIB": "1024",
               "SSO_ARGON2_PARALLELISM": "1"}
    for name, port in ports.items():
        environ[f"{name.upper()}_HTTP_PORT"] = str(port)
        if name != "gateway":
            environ[f"{name.upper()}_URL"] = f"http://127.0.0.1:{port}"
    _purge(environ)  # what earlier tests of this process left on the in-process bus
    platform = EmbeddedPlatform(environ)
    gateway = platform.start()
    try:
        login, password = IDENTITIES[identity]
        ensure_password(platform, login, password)
        token = access_token(gateway, login, password)
    except BaseException:
        platform.shutdown()
        raise
    return SignedIn(identity, gateway, {"Authorization": f"Bearer {token}"}, platform)


def _purge(environ: dict[str, str]) -> None:
    for definition in DEFINITIONS:
        purge_queues(Runtime(definition, Settings.from_env(definition.name, environ)))


def ensure_password(platform: EmbeddedPlatform, login: str, password: str,
                    wait_seconds: float = 60) -> None:
    """The demo seed sets demo passwords in the background as accounts reach sso; a sign-in
    before would count as a failure (and five lock the login, R-SSO-7). Sets the same demo
    password itself as soon as the account is there, as the sso tests do."""
    [runtime] = [runtime for runtime in platform.runtimes if runtime.definition.name == "sso"]
    sso = runtime.components
    deadline = time.monotonic() + wait_seconds
    while True:
        with sso.database.session() as session:
            account = AccountRepository(session).by_login(login)
        if account is not None:
            break
        assert time.monotonic() < deadline, f"{login} never reached the sso service"
        time.sleep(0.1)
    if not has_password(sso.unit_of_work(), account.account_id):
        set_passwords(sso.unit_of_work(), sso.clock,
                      {account.account_id: sso.passwords.hash(password)}, method="setup")


def access_token(gateway: str, login: str, password: str) -> str:
    """Signs in through the platform's own web client (authorization code with PKCE), as
    a browser would, and redeems the code for the access token the web client gets."""
    web_callback = gateway + "/auth/callback"  # the seeded web client's, at PUBLIC_URL
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    authorization = {"client_id": "web", "response_type": "code", "scope": "openid",
                     "redirect_uri": web_callback, "code_challenge": challenge.decode(),
                     "code_challenge_method": "S256", "state": "fuzz"}
    browser = requests.Session()
    page = browser.get(gateway + "/oauth/authorize", params=authorization, timeout=10)
    answer = browser.post(gateway + "/login", allow_redirects=False, timeout=10, data={
        **dict(_HIDDEN.findall(page.text)), "username": login, "password": password})
    assert answer.status_code == 302, answer.text[:500]
    assert answer.headers["Location"].startswith(web_callback)
    [code] = parse_qs(urlsplit(answer.headers["Location"]).query)["code"]
    tokens = requests.post(gateway + "/oauth/token", timeout=10, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": web_callback,
        "client_id": "web", "code_verifier": verifier})
    assert tokens.status_code == 200, tokens.text
    return tokens.json()["access_token"]


@pytest.fixture(scope="module")
def platforms(tmp_path_factory) -> Iterator[Platforms]:
    running = Platforms(tmp_path_factory)
    yield running
    running.stop()


# Module-scoped, as Hypothesis wants for a fixture its generated cases share; the tests
# come in file order, so each platform starts once.
@pytest.fixture(scope="module")
def teacher(platforms: Platforms) -> SignedIn:
    return platforms.signed_in_as("teacher")


@pytest.fixture(scope="module")
def operator(platforms: Platforms) -> SignedIn:
    return platforms.signed_in_as("operator")


# -- the tests (in this order: one platform, then the other) --------------------------------
def test_the_fuzzed_document_is_the_one_the_gateway_serves(teacher: SignedIn) -> None:
    served = requests.get(teacher.gateway + "/api/openapi.json", timeout=10).json()
    assert served["x-unavailable-services"] == []
    built = merged_document()
    assert (served["paths"], served["components"]) == (built["paths"], built["components"])


@platform_api.include(callable_by(None)).parametrize()
def test_no_public_operation_answers_a_server_error(case, teacher: SignedIn) -> None:
    # Signed in all the same: a page or a protocol endpoint may look at a bearer token.
    case.call_and_validate(base_url=teacher.gateway, headers=teacher.headers, checks=CHECKS)


@platform_api.include(callable_by("teacher")).parametrize()
def test_no_operation_answers_a_teacher_with_a_server_error(case, teacher: SignedIn) -> None:
    case.call_and_validate(base_url=teacher.gateway, headers=teacher.headers, checks=CHECKS)


@platform_api.include(callable_by("operator")).parametrize()
def test_no_operation_answers_an_operator_with_a_server_error(case, operator: SignedIn) -> None:
    case.call_and_validate(base_url=operator.gateway, headers=operator.headers, checks=CHECKS)
