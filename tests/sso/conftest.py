"""The sso service running for real on loopback (werkzeug in a thread, its own SQLite file,
the in-process bus), driven like a browser and like a partner site would drive it.

Accounts reach it the only way they can: accounts events through its consumer. Passwords
are set through the same use case the demo seed uses. Argon2 runs with cheap parameters
here (the hash format and the code path are the same).
"""
from __future__ import annotations

import io
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import urllib3
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from flask import Flask, Response, jsonify, request
from werkzeug.serving import make_server

from contracts.events.accounts import ACCOUNT_CREATED, ACCOUNT_UPDATED
from servicekit.bus.publisher import KombuPublisher
from servicekit.bus.transport import OutgoingMessage
from servicekit.cli import migrate
from servicekit.events import Envelope
from servicekit.settings import Settings
from servicekit.testing.runtimes import purge_queues
from servicekit.testing.smtp import SmtpSink
from services.sso.adapters.sector_documents import SectorDocuments
from services.sso.app import create_app
from services.sso.dependencies import SsoDependencies
from services.sso.domain.clients import ENABLED, FIRST_PARTY, Client
from services.sso.handlers.credentials import set_passwords

FAST_ARGON2 = {"SSO_ARGON2_TIME_COST": "1", "SSO_ARGON2_MEMORY_KIB": "1024",
               "SSO_ARGON2_PARALLELISM": "1"}


class LiveServer:
    """A WSGI app on a loopback port; the app may be made after the port is known."""

    def __init__(self, app: Callable | None = None) -> None:
        self.app = app
        self._server = make_server("127.0.0.1", 0, self._dispatch, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        kwargs={"poll_interval": 0.05})
        self._thread.start()

    def _dispatch(self, environ, start_response):
        assert self.app is not None
        return self.app(environ, start_response)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@dataclass
class Account:
    account_id: str
    login: str
    password: str
    kind: str = "teacher"
    version: int = 1


@dataclass
class SsoUnderTest:
    server: LiveServer
    app: Flask
    dependencies: SsoDependencies
    accounts: dict[str, Account] = field(default_factory=dict)
    sector_sites: PartnerWebsites = field(default_factory=lambda: PartnerWebsites())  # noqa: PLW0108 (defined below)

    def serve_sector_document(self, uri: str, redirect_uris: list[str]) -> None:
        """What the organisation claiming a sector publishes at its identifier URI."""
        self.sector_sites.documents[uri] = json.dumps(redirect_uris).encode()

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def runtime(self):
        return self.dependencies.runtime

    def token_for(self, subject: str, *roles: str, **claims: Any) -> str:
        """A platform access token for a staff member, signed with the service's own key
        (as the web client's tokens are)."""
        now = int(time.time())
        return self.dependencies.keys.sign({"iss": self.dependencies.config.issuer, "aud": "inservice-api",
                                   "sub": subject, "roles": list(roles), "iat": now,
                                   "exp": now + 300, "client_id": "web", **claims})

    def call(self, method: str, path: str, token: str, **kwargs: Any) -> requests.Response:
        return requests.request(method, self.url + path, timeout=10,
                                headers={"Authorization": f"Bearer {token}"}, **kwargs)

    def metadata(self) -> dict[str, Any]:
        return requests.get(self.url + "/.well-known/openid-configuration", timeout=5).json()

    # -- accounts, as the accounts service makes them ----------------------------------------
    def account_event(self, account: Account, status: str = "enabled", **fields: Any) -> None:
        data = {"account_id": account.account_id, "login": account.login, "kind": account.kind,
                "status": status, "display_name": fields.pop("display_name", f"{account.login} 老師"),
                "email": fields.pop("email", f"{account.login}@school.example.tw"),
                "unit_code": fields.pop("unit_code", "353301"), "authority_code": None,
                "county_code": fields.pop("county_code", "TPE"), "version": account.version,
                **fields}
        event_type = ACCOUNT_CREATED if account.version == 1 else ACCOUNT_UPDATED
        self.publish(event_type, data)

    def publish(self, event_type: str, data: dict[str, Any]) -> None:
        envelope = Envelope(type=event_type, source="accounts", data=data,
                            correlation_id=uuid.uuid4().hex)
        publisher = KombuPublisher(self.runtime.settings.broker_url)
        try:
            publisher.publish_batch([OutgoingMessage(event_type, envelope.to_json(), envelope.id,
                                                     envelope.correlation_id)])
        finally:
            publisher.close()
        self.drain()

    def drain(self) -> None:
        subscription = self.runtime.subscriptions()[0]
        reader = self.runtime.open_reader(subscription)
        try:
            while batch := reader.next_batch(100, 0.2):
                outcome = self.runtime.consumer(subscription).process(reader, batch)
                assert outcome.dead_lettered == 0, outcome
        finally:
            reader.close()

    def teacher(self, login: str, password: str | None = None, kind: str = "teacher",
                **fields: Any) -> Account:
        account = Account(str(uuid.uuid4()), login, password or f"pw-{login}-secret", kind)
        self.account_event(account, **fields)
        dependencies = self.dependencies
        set_passwords(dependencies.unit_of_work(), dependencies.clock,
                      {account.account_id: dependencies.passwords.hash(account.password)},
                      method="setup")
        self.accounts[login] = account
        return account

    def update_account(self, account: Account, status: str = "enabled", **fields: Any) -> None:
        account.version += 1
        self.account_event(account, status=status, **fields)

    # -- clients ------------------------------------------------------------------------------
    def partner(self, client_id: str, redirect_uri: str | None = None, status: str = ENABLED,
                **fields: Any) -> tuple[Client, str | None]:
        client = Client(client_id=client_id, name=fields.pop("name", f"Partner {client_id}"),
                        status=status,
                        redirect_uris=fields.pop("redirect_uris", None) or (
                            redirect_uri or f"http://127.0.0.1:9/{client_id}/callback",),
                        allowed_scopes=fields.pop("allowed_scopes", (
                            "openid", "profile", "email", "school", "offline_access")),
                        **fields)
        return self.dependencies.partners.register(client, by="test")

    def web_client(self, redirect_uri: str = "http://127.0.0.1:9/web/callback") -> Client:
        """The platform's own public client (registered on first use)."""
        existing = self.dependencies.partners.all_clients()
        for client in existing:
            if client.client_id == "web":
                return client
        client, _ = self.dependencies.partners.register(Client(
            client_id="web", name="Web", kind=FIRST_PARTY, status=ENABLED,
            redirect_uris=(redirect_uri,), auth_method="none",
            allowed_scopes=("openid", "profile", "email", "school", "offline_access")), by="test")
        return client

    def web_token(self, browser: Browser, account: Account) -> dict[str, Any]:
        """Tokens of the platform's own client, for ``account`` signed in through ``browser``."""
        web = self.web_client()
        client = OAuth2Session("web", scope="openid offline_access", redirect_uri=web.redirect_uris[0],
                               code_challenge_method="S256", token_endpoint_auth_method="none")
        verifier = generate_token(48)
        url, _ = client.create_authorization_url(self.url + "/oauth/authorize", code_verifier=verifier)
        callback = browser.sign_in(url, self.url, account.login, account.password)
        return client.fetch_token(self.url + "/oauth/token", authorization_response=callback,
                                  code_verifier=verifier)




class PartnerWebsites(requests.adapters.BaseAdapter):
    """Partner organisations' https servers, as far as the sso service reads them."""

    def __init__(self) -> None:
        super().__init__()
        self.documents: dict[str, bytes] = {}

    def send(self, request, **kwargs):
        body = self.documents.get(request.url)
        response = requests.Response()
        response.status_code = 404 if body is None else 200
        response.url = request.url
        response.request = request
        response.raw = urllib3.HTTPResponse(body=io.BytesIO(body or b""), preload_content=False,
                                            status=response.status_code)
        return response

    def close(self) -> None:
        pass


@pytest.fixture
def make_sso(tmp_path) -> Iterator[Callable[..., SsoUnderTest]]:
    """``make_sso(**environ)``: a fresh sso service on its own port and data folder."""
    made: list[SsoUnderTest] = []

    def make(issuer: str | None = None, **environ: str) -> SsoUnderTest:
        server = LiveServer()
        data_dir = tmp_path / f"sso-{len(made)}"
        settings = Settings.from_env("sso", {"DATA_DIR": str(data_dir), "LOG_LEVEL": "WARNING",
                                             "TOKEN_ISSUER": issuer or server.url,
                                             **FAST_ARGON2, **environ})
        app = create_app(settings)
        runtime = app.extensions["runtime"]
        migrate(runtime)
        purge_queues(runtime)
        server.app = app
        under_test = SsoUnderTest(server, app, runtime.components)
        # The partners' https sites are not reachable from here: their documents are
        # answered by a transport of requests' own, the rest of the reading is the real one.
        session = requests.Session()
        session.mount("https://", under_test.sector_sites)
        under_test.dependencies.sector_documents = SectorDocuments(5, session)
        made.append(under_test)
        return under_test

    yield make
    for under_test in made:
        under_test.server.stop()
        purge_queues(under_test.runtime)
        under_test.runtime.database.dispose()


@pytest.fixture
def sso(make_sso) -> SsoUnderTest:
    return make_sso()


# -- a browser ----------------------------------------------------------------------------------
_HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')


def hidden_fields(html: str) -> dict[str, str]:
    return dict(_HIDDEN.findall(html))


class Browser:
    """A person's browser: keeps the provider's cookies, never follows a redirect off to
    the client (the test reads where it would go)."""

    def __init__(self) -> None:
        self.session = requests.Session()

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self.session.get(url, allow_redirects=False, timeout=10, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self.session.post(url, allow_redirects=False, timeout=10, **kwargs)

    def follow(self, response: requests.Response, within: str) -> requests.Response:
        """Follows redirects while they stay on ``within`` (the provider)."""
        while response.status_code in (301, 302, 303) and response.headers["Location"].startswith(within):
            response = self.get(response.headers["Location"])
        return response

    def submit(self, page: requests.Response, action: str, **fields: str) -> requests.Response:
        return self.post(action, data={**hidden_fields(page.text), **fields})

    def sign_in(self, authorization_url: str, provider: str, login: str, password: str) -> str:
        """From the client's authorization URL to the URL the browser is sent back to,
        signing in on the way unless the provider's session is still there."""
        page = self.follow(self.get(authorization_url), provider)
        if page.status_code == 302:
            return page.headers["Location"]
        assert page.status_code == 200 and 'name="username"' in page.text, page.text[:500]
        answer = self.submit(page, provider + "/login", username=login, password=password)
        assert answer.status_code == 302, answer.text[:500]
        return answer.headers["Location"]


@pytest.fixture
def browser() -> Browser:
    return Browser()


def query_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


@pytest.fixture
def query() -> Callable[[str], dict[str, str]]:
    return query_of


@pytest.fixture
def serve() -> Iterator[Callable[..., LiveServer]]:
    """``serve(app=None)``: a WSGI app on a loopback port, stopped after the test."""
    servers: list[LiveServer] = []

    def make(app: Callable | None = None) -> LiveServer:
        servers.append(LiveServer(app))
        return servers[-1]

    yield make
    for server in servers:
        server.stop()


# -- a local SMTP sink (mail to partner contacts and to accounts): servicekit.testing.smtp ----------
@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    yield sink
    sink.shutdown()
    sink.server_close()


# -- a fake partner back end (back-channel logout receiver) ---------------------------------------
class Receiver:
    def __init__(self) -> None:
        self.received: list[dict[str, str]] = []
        app = Flask("receiver")

        @app.post("/backchannel")
        def backchannel() -> Response:
            self.received.append(request.form.to_dict())
            return Response(status=200)

        @app.get("/healthz")
        def healthz() -> Response:
            return jsonify(ok=True)

        self.server = LiveServer(app)
        self.url = self.server.url

    def wait_for(self, count: int, seconds: float = 10) -> list[dict[str, str]]:
        """The deliveries, once ``count`` have arrived (they are sent after the commit, on
        a thread of their own) or ``seconds`` have passed."""
        deadline = time.monotonic() + seconds
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.received


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    yield made
    made.server.stop()
