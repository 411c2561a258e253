"""R-GW-1: the gateway routes by prefix and forwards requests and responses faithfully.

A failure names what reached the fake service (or the client) that should not have,
or what went missing on the way."""
from __future__ import annotations

import io
import re

import pytest

from gateway.routes import ROUTES, Route, resolve


@pytest.mark.parametrize("public, service, upstream_path", [
    ("/api/courses/units/7", "courses", "/units/7"),
    ("/api/courses", "courses", "/"),
    ("/api/courses/", "courses", "/"),
    ("/api/accounts/me", "accounts", "/me"),
    ("/api/transfer/batches/1/rows", "transfer", "/batches/1/rows"),
    ("/api/stats/summary", "stats", "/summary"),
    ("/api/sso/sessions", "sso", "/sessions"),
    ("/jwks.json", "sso", "/jwks.json"),
    ("/.well-known/openid-configuration", "sso", "/.well-known/openid-configuration"),
    ("/oauth/token", "sso", "/oauth/token"),
    ("/login", "sso", "/login"),
    ("/login/callback", "sso", "/login/callback"),
    ("/logout", "sso", "/logout"),
    # R-WEB-1: the web client's pages, under its own prefixes, paths kept.
    ("/", "web", "/"),
    ("/static/site.css", "web", "/static/site.css"),
    ("/auth/callback", "web", "/auth/callback"),
    ("/courses", "web", "/courses"),
    ("/courses/2026-000001", "web", "/courses/2026-000001"),
    ("/my/transcript", "web", "/my/transcript"),
    ("/organiser/courses/new", "web", "/organiser/courses/new"),
    ("/reviewer/queue/courses", "web", "/reviewer/queue/courses"),
    ("/stats/enrolments", "web", "/stats/enrolments"),
    ("/news", "web", "/news"),
    ("/operator/vocabularies/tag", "web", "/operator/vocabularies/tag"),
    ("/lang/en", "web", "/lang/en"),
])
def test_route_table_maps_public_paths_to_services(public, service, upstream_path):
    """R-GW-1: one table; /api/<service> prefixes are stripped, sso paths are kept."""
    target = resolve(public)
    assert target is not None, f"{public} matched no route"
    assert (target.service, target.path) == (service, upstream_path)


@pytest.mark.parametrize("path", ["/api", "/api/coursesx/units", "/api/unknown/x",
                                  "/api/courses/metrics", "/api/sso/readyz",
                                  "/loginx", "/jwks.json.bak", "/oauthz", "/coursesx",
                                  "/mystery", "/healthz/x", "/metrics", "/readyz"])
def test_paths_outside_the_table_match_nothing(path):
    """R-GW-1: a prefix matches whole path segments only."""
    assert resolve(path) is None, f"{path} should not be routed"


def test_route_table_takes_new_lines():
    """R-GW-1: the sso issue adds routes as lines in the one table."""
    routes = ROUTES + (Route("/authorize", "sso"),)
    assert resolve("/authorize", routes).service == "sso"


def test_request_reaches_the_service_with_prefix_stripped_and_query_kept(gateway, services):
    """R-GW-1: /api/courses/units/7?… arrives at courses as /units/7?…"""
    response = gateway.get("/api/courses/units/7?year=2025&name=a%20b")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["service"] == "courses"
    (call,) = services["courses"].calls
    assert (call["path"], call["query"]) == ("/units/7", "year=2025&name=a%20b")
    assert call["headers"]["X-Forwarded-Prefix"] == "/api/courses"
    assert not services["accounts"].calls, "another service was called"


def test_sso_paths_keep_their_path_and_basic_credentials(gateway, services):
    """R-GW-1: OAuth clients authenticate with Basic; that is not a bearer token to check."""
    response = gateway.post("/oauth/token", data={"grant_type": "client_credentials"},
                            headers={"Authorization": "Basic Y2xpZW50OnNlY3JldA=="})
    assert response.status_code == 200, response.get_data(as_text=True)
    (call,) = services["sso"].calls_to("/oauth/token")
    assert call["headers"]["Authorization"] == "Basic Y2xpZW50OnNlY3JldA=="
    assert call["body"] == b"grant_type=client_credentials"


def test_body_method_and_length_are_forwarded(gateway, services):
    """R-GW-1: the body arrives whole, with its own length."""
    body = b'{"title": "\xe6\x95\x99\xe5\xad\xb8"}' * 5000
    response = gateway.put("/api/transfer/batches/1", data=body,
                           content_type="application/json")
    assert response.status_code == 200
    (call,) = services["transfer"].calls
    assert call["method"] == "PUT" and call["body"] == body
    assert call["headers"]["Content-Length"] == str(len(body))
    assert call["headers"]["Content-Type"] == "application/json"


def test_unknown_prefix_is_a_problem_404(gateway, services):
    """R-GW-1: nothing is forwarded for a path no route names."""
    response = gateway.get("/api/unknown/things")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json["type"] == "urn:inservice:problem:not-found"
    assert not any(service.calls for service in services.values())


def test_request_id_is_assigned_by_the_gateway_and_seen_by_the_service(gateway, services):
    """R-GW-1: a client's X-Request-Id is not trusted; the service sees the gateway's."""
    response = gateway.get("/api/courses/units", headers={"X-Request-Id": "client-chosen-id-1"})
    assigned = response.headers["X-Request-Id"]
    assert assigned != "client-chosen-id-1", "the client's request id was kept"
    assert re.fullmatch(r"[0-9a-f]{32}", assigned)
    (call,) = services["courses"].calls
    assert call["headers"]["X-Request-Id"] == assigned


def test_hop_by_hop_request_headers_are_dropped(gateway, services):
    """R-GW-1: connection-level headers, and those Connection names, stop at the gateway."""
    gateway.get("/api/courses/units", headers={
        "Connection": "X-Private-Hop", "X-Private-Hop": "secret", "Keep-Alive": "300",
        "TE": "trailers", "Proxy-Authorization": "Basic cHJveHk6cHc=", "Upgrade": "websocket",
        "X-End-To-End": "kept", "Authorization": "Basic dTpw"})
    forwarded = services["courses"].calls[0]["headers"]
    headers = {name.lower(): value for name, value in forwarded.items()}
    for dropped in ("x-private-hop", "keep-alive", "te", "proxy-authorization", "upgrade"):
        assert dropped not in headers, f"{dropped} was forwarded"
    assert "x-private-hop" not in headers.get("connection", "").lower()
    assert headers["x-end-to-end"] == "kept"
    assert headers["authorization"] == "Basic dTpw"


def test_hop_by_hop_response_headers_are_dropped_and_cookies_kept_apart(gateway):
    """R-GW-1: the service's response keeps its own headers, each Set-Cookie separate."""
    response = gateway.get("/api/accounts/me")
    assert response.headers["X-Upstream"] == "accounts"
    assert "Keep-Alive" not in response.headers
    assert "Proxy-Authenticate" not in response.headers
    assert response.headers.getlist("Set-Cookie") == ["first=1; Path=/", "second=2; Path=/"]
    assert "Access-Control-Allow-Origin" not in response.headers, "CORS is the gateway's to say"


def test_forwarded_headers_name_the_peer_not_what_the_client_claims(gateway, services):
    """R-GW-1: X-Forwarded-For from an untrusted client is replaced, not extended."""
    gateway.get("/api/courses/units", headers={"X-Forwarded-For": "6.6.6.6",
                                               "X-Forwarded-Host": "evil.example"})
    headers = services["courses"].calls[0]["headers"]
    assert headers["X-Forwarded-For"] == "127.0.0.1"
    assert headers["X-Forwarded-Host"] == "localhost"
    assert headers["X-Forwarded-Proto"] == "http"


def test_forwarded_for_from_a_trusted_proxy_is_extended(make_gateway, services):
    """R-GW-1: behind a TRUSTED_PROXIES load balancer, the client is the one it names."""
    gateway = make_gateway(env={"TRUSTED_PROXIES": "127.0.0.0/8"})
    gateway.get("/api/courses/units", headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.9",
                                               "X-Forwarded-Proto": "https"})
    headers = services["courses"].calls[0]["headers"]
    assert headers["X-Forwarded-For"] == "203.0.113.9, 127.0.0.1", "spoofable hops were kept"
    assert headers["X-Forwarded-Proto"] == "https"


def test_downloads_are_streamed_not_buffered(gateway, services):
    """R-GW-1: the first part reaches the client before the service has sent the rest."""
    response = gateway.get("/api/transfer/download", buffered=False)
    try:
        chunks = iter(response.response)
        first = next(chunks)
        assert first.startswith(b"a"), "the first part did not arrive first"
        services["transfer"].download_may_finish.set()
        rest = b"".join(chunks)
    finally:
        response.close()
    assert not services["transfer"].download_waited_in_vain, "the gateway held the body back"
    assert len(first + rest) == 2 * 65536
    assert (first + rest).endswith(b"b" * 65536)


def test_a_redirect_arrives_whole_with_its_body(gateway, services):
    """R-GW-1: a redirect is passed on, never followed, and its body with it, with a length
    that matches, or the client waits for bytes that never come."""
    response = gateway.get("/api/sso/moved")
    assert response.status_code == 302
    assert response.headers["Location"] == "/elsewhere"
    assert response.get_data() == b"see /elsewhere"
    assert response.headers["Content-Length"] == str(len(b"see /elsewhere"))


def test_a_chunked_upload_is_streamed_up_whole(gateway, services):
    """R-GW-1: a body sent without a length (Transfer-Encoding: chunked) reaches the
    service whole, chunked again, never buffered into a length by the gateway."""
    body = b"0123456789" * 20000
    response = gateway.post("/api/transfer/uploads", input_stream=io.BytesIO(body),
                            headers={"Transfer-Encoding": "chunked",
                                     "Content-Type": "application/octet-stream"},
                            environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 200
    (call,) = services["transfer"].calls
    assert call["body"] == body
    assert call["headers"].get("Transfer-Encoding") == "chunked"
    assert "Content-Length" not in call["headers"]


def test_a_download_given_up_halfway_does_not_spoil_the_next_request(gateway, services):
    """A client that leaves in the middle of a body: the connection to the service still
    holds the rest, so it is closed, never handed to the next request."""
    response = gateway.get("/api/transfer/download", buffered=False)
    first = next(iter(response.response))
    assert first.startswith(b"a")
    response.close()
    services["transfer"].download_may_finish.set()
    for _ in range(3):
        answer = gateway.get("/api/transfer/anything")
        assert answer.status_code == 200 and answer.json["path"] == "/anything"


def test_a_calendar_feeds_secret_address_is_forwarded_but_never_logged(gateway, services,
                                                                        caplog):
    """A teacher's calendar feed is read without signing in: the key is in the address,
    which reaches the service whole and the gateway's log without its key."""
    secret = "k3y-0f_A-teacher-calendar-aaaaaaaaaaaaaaaaaaa"
    caplog.clear()
    with caplog.at_level("INFO", logger="servicekit.http"):
        response = gateway.get(f"/api/courses/calendars/{secret}.ics")
    assert response.status_code == 200, response.get_data(as_text=True)
    (call,) = services["courses"].calls
    assert call["path"] == f"/calendars/{secret}.ics"
    logged = [record.path for record in caplog.records if record.getMessage() == "request"]
    assert logged == ["/api/courses/calendars/<token>.ics"]
    assert secret not in caplog.text
