"""Fixtures for the gateway tests (R-GW-1).

Every service is a small real Flask app on its own ephemeral port, so the gateway talks
HTTP to them as in production; the gateway itself is driven through Flask's test client.
Each fake service records what reached it, which is how a test sees what was forwarded.
"""
from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask, Response, jsonify, request
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from gateway.app import create_app
from servicekit.settings import SERVICES, Settings
from servicekit.testing.processes import free_port
from servicekit.testing.tokens import TokenSigner

ISSUER = "https://gateway.test"
AUDIENCE = "inservice-api"


class FakeService:
    slow_seconds = 1.5  # how long /slow keeps the caller waiting

    def __init__(self, name: str, signer: TokenSigner) -> None:
        self.name = name
        self.calls: list[dict[str, Any]] = []
        self.download_may_finish = threading.Event()
        self.download_waited_in_vain = False
        self.app = _fake_app(self, signer)
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        kwargs={"poll_interval": 0.05})
        self._thread.start()

    def calls_to(self, path: str) -> list[dict[str, Any]]:
        return [call for call in self.calls if call["path"] == path]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _fake_app(service: FakeService, signer: TokenSigner) -> Flask:
    app = Flask(f"fake-{service.name}")

    @app.before_request
    def record() -> None:
        service.calls.append({"method": request.method, "path": request.path,
                              "query": request.query_string.decode(),
                              "headers": dict(request.headers), "body": request.get_data()})

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok", service=service.name)

    @app.get("/openapi.json")
    def openapi() -> Response:
        return jsonify(service_document(service.name))

    @app.get("/jwks.json")
    def jwks() -> Response:
        return jsonify(signer.jwks)

    @app.get("/slow")
    def slow() -> str:
        time.sleep(service.slow_seconds)
        return "late"

    @app.get("/download")
    def download() -> Response:
        def chunks() -> Iterator[bytes]:
            yield b"a" * 65536
            # The rest waits until the client has the first part: a gateway that
            # buffered the whole body would never hand it over.
            service.download_waited_in_vain = not service.download_may_finish.wait(timeout=2)
            yield b"b" * 65536
        return Response(chunks(), mimetype="application/octet-stream")

    @app.get("/moved")
    def moved() -> Response:
        return Response("see /elsewhere", status=302, headers={"Location": "/elsewhere"},
                        mimetype="text/plain")

    @app.route("/", defaults={"path": ""}, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    @app.route("/<path:path>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def echo(path: str) -> Response:
        response = jsonify(service=service.name, path=request.path,
                           body=request.get_data(as_text=True))
        response.headers["X-Upstream"] = service.name
        response.headers["Keep-Alive"] = "timeout=5"
        response.headers["Proxy-Authenticate"] = "Basic"
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers.add("Set-Cookie", "first=1; Path=/")
        response.headers.add("Set-Cookie", "second=2; Path=/")
        return response

    return app


def service_document(name: str) -> dict[str, Any]:
    """Every service has a ``Unit`` schema: the merged document must keep them apart."""
    document = _service_document(name)
    if name == "sso":  # served at the gateway's root, as the route table says
        document["paths"]["/oauth/token"] = {"post": {
            "operationId": "token", "responses": {"200": {"description": "tokens"}}}}
    return document


def _service_document(name: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": f"The {name} service", "version": "1"},
        "security": [{"bearer": []}],
        "paths": {
            "/": {"get": {"operationId": "root", "responses": {"200": {"description": "ok"}}}},
            "/units/{unitId}": {"get": {
                "operationId": "getUnit",
                "parameters": [{"$ref": "#/components/parameters/UnitId"}],
                "responses": {"200": {"description": "the unit", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Unit"}}}}}}},
        },
        "components": {
            "schemas": {
                "Unit": {"type": "object", "properties": {
                    "code": {"type": "string"},
                    "owner": {"$ref": "#/components/schemas/Owner"}}},
                "Owner": {"type": "object", "properties": {"name": {"type": "string"}}},
            },
            "parameters": {"UnitId": {"name": "unitId", "in": "path", "required": True,
                                      "schema": {"type": "string"}}},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


@pytest.fixture(scope="session")
def signer() -> TokenSigner:
    return TokenSigner(issuer=ISSUER, audience=AUDIENCE)


@pytest.fixture(scope="session")
def fake_services(signer: TokenSigner) -> Iterator[dict[str, FakeService]]:
    services = {name: FakeService(name, signer) for name in SERVICES}
    yield services
    for service in services.values():
        service.download_may_finish.set()
        service.stop()


@pytest.fixture
def services(fake_services: dict[str, FakeService]) -> dict[str, FakeService]:
    for service in fake_services.values():
        service.calls.clear()
        service.download_may_finish.clear()
        service.download_waited_in_vain = False
    return fake_services


@pytest.fixture
def closed_url() -> str:
    """A port nobody listens on: connections are refused at once."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def unanswering_url() -> Iterator[str]:
    """A port whose accept queue is full: a connect is neither refused nor completed."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers: list[socket.socket] = []
    try:
        for _ in range(8):  # Linux queues one or two connections, then drops the SYNs
            filler = socket.socket()
            fillers.append(filler)
            filler.settimeout(0.2)
            try:
                filler.connect(("127.0.0.1", port))
            except TimeoutError:
                break
        else:
            pytest.skip("this system's TCP stack does not leave connects hanging")
        yield f"http://127.0.0.1:{port}"
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


GatewayFactory = Callable[..., FlaskClient]


@pytest.fixture
def make_gateway(services: dict[str, FakeService]) -> Iterator[GatewayFactory]:
    """``make_gateway(env={...}, courses=url)``: a gateway with these settings and these
    services moved elsewhere."""
    apps: list[Flask] = []

    def make(env: dict[str, str] | None = None, **moved_services: str) -> FlaskClient:
        environ = {"TOKEN_ISSUER": ISSUER, "TOKEN_AUDIENCE": AUDIENCE,
                   "JWKS_URL": services["sso"].url + "/jwks.json", **(env or {})}
        urls = {name: service.url for name, service in services.items()} | moved_services
        app = create_app(Settings.from_env("gateway", environ=environ, service_urls=urls))
        apps.append(app)
        return app.test_client()

    yield make
    for app in apps:
        app.extensions["gateway.upstreams"].close()


@pytest.fixture
def gateway(make_gateway: GatewayFactory) -> FlaskClient:
    return make_gateway()


def _assert_problem(response, status: int, slug: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.json["type"] == f"urn:inservice:problem:{slug}", response.json


@pytest.fixture
def assert_problem() -> Callable[..., None]:
    """``assert_problem(response, 503, "service-unavailable")``"""
    return _assert_problem
