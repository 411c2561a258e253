"""R-GW-1: the gateway answers only for public paths, whatever the spelling.

The path is normalised once, before routing, and the normalised path is what the service
sees. Every spelling here is written out by hand, as a client would send it on the
request line; ``send`` hands it to the gateway as gunicorn does (``PATH_INFO``
percent-decoded, ``RAW_URI`` as sent). A failure names the spelling that reached a
service, or the answer that was not the documented one:

- an internal path (``/metrics``, ``/readyz``, ``/healthz``, ``/openapi.json`` of a
  service) is ``404 urn:inservice:problem:not-found``;
- a dot segment, an encoded slash or backslash, a second layer of encoding or a control
  character is ``400 urn:inservice:problem:invalid-path``.
"""
from __future__ import annotations

import importlib
from urllib.parse import unquote_to_bytes

import pytest

from gateway.routes import is_internal, resolve
from servicekit.settings import SERVICES, Settings


def send(gateway, raw_path: str, method: str = "GET", **kwargs):
    """``raw_path`` exactly as on the request line (Flask's test client would otherwise
    read ``//host/…`` as a URL with a host, and decode before we see it)."""
    path_info = unquote_to_bytes(raw_path).decode("latin-1")
    return gateway.open("/", method=method, environ_overrides={
        "PATH_INFO": path_info, "RAW_URI": raw_path, "REQUEST_URI": raw_path}, **kwargs)


def calls(services) -> list[tuple[str, str]]:
    return [(name, call["path"]) for name, service in services.items() for call in service.calls]


# Written out for accounts; the same suffixes are tried under every service below.
INTERNAL_SPELLINGS = [
    "/metrics", "//metrics", "///metrics", "/metrics/", "/metrics//", "/metrics/x",
    "/METRICS", "/Metrics", "/metrics;x=1", "/metrics;", "/metrics.", "/metrics%20",
    "/metrics%2E", "/%6detrics", "/%6D%65%74%72%69%63%73", "/metrics%3Fformat=text",
    "/readyz", "//readyz", "/READYZ", "/readyz/", "/ReadyZ;a", "/readyz%09",
    "/healthz", "/HEALTHZ/", "/healthz;", "/openapi.json", "/OpenAPI.JSON", "/openapi.json;v=1",
    "/openapi.json/",
]


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("suffix", INTERNAL_SPELLINGS)
def test_no_spelling_of_an_internal_path_reaches_a_service(gateway, services, service, suffix):
    """R-GW-1: /api/<service>/metrics and its relatives stop at the gateway."""
    response = send(gateway, f"/api/{service}{suffix}")
    assert response.status_code in (400, 404), f"/api/{service}{suffix}: {response.status_code}"
    assert response.mimetype == "application/problem+json"
    assert response.json["type"] in ("urn:inservice:problem:not-found",
                                     "urn:inservice:problem:invalid-path")
    assert not calls(services), f"/api/{service}{suffix} reached {calls(services)}"


@pytest.mark.parametrize("raw_path", [
    "/api/accounts//metrics",       # the reported hole: Werkzeug merged the slashes later
    "/api//accounts/metrics",
    "//api/accounts/metrics",
    "//api//accounts//readyz",
    "/api/accounts///healthz",
    "/api/sso//openapi.json",
    "/api/stats/metrics/",
    "/api/courses/METRICS",
])
def test_the_reported_spellings_are_404(gateway, services, raw_path, assert_problem):
    """R-GW-1: not-found, as for any path no service answers publicly."""
    assert_problem(send(gateway, raw_path), 404, "not-found")
    assert not calls(services), f"{raw_path} reached {calls(services)}"


@pytest.mark.parametrize("raw_path", [
    "/api/accounts/./metrics",
    "/api/accounts/x/../metrics",
    "/api/accounts/me/..",
    "/api/accounts/me/.",
    "/api/sso/../accounts/me",
    "/login/../api/accounts/metrics",
    "/.well-known/../metrics",
    "/..",
    "/.",
    "/api/accounts/%2e%2e/metrics",
    "/api/accounts/%2E%2E/metrics",
    "/api/accounts/.%2e/metrics",
    "/api/accounts/%2e/metrics",
    "/api/accounts/..;/metrics",
    "/api/accounts/.;x=1/metrics",
    "/api/accounts/%2fmetrics",
    "/api/accounts/me%2F..%2F..%2Fmetrics",
    "/api/accounts%2Fmetrics",
    "/api/accounts/%5cmetrics",
    "/api/accounts/me%5C..%5Cmetrics",
    "/api/accounts/me\\..\\metrics",
    "/api/accounts/%252e%252e/metrics",
    "/api/accounts/%252fmetrics",
    "/api/accounts/readyz%00",
    "/api/accounts/me%0d%0aX-Injected:%201",
    "/api/accounts/me%7f",
])
def test_dot_segments_encoded_separators_and_controls_are_400(gateway, services, raw_path,
                                                              assert_problem):
    """R-GW-1: a path that climbs, hides a separator or a control character is refused
    before routing, as problem+json, with the request id like every answer."""
    response = send(gateway, raw_path)
    assert_problem(response, 400, "invalid-path")
    assert response.json["title"] == "Invalid path"
    assert response.headers["X-Request-Id"]
    assert not calls(services), f"{raw_path} reached {calls(services)}"


def test_a_refused_path_is_refused_for_every_method_and_carries_cors(gateway, services,
                                                                   assert_problem):
    """R-GW-1: a browser can read the refusal; no method slips past it."""
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"):
        response = send(gateway, "/api/courses/units/../../accounts/me", method=method,
                        headers={"Origin": "http://localhost:8080"})
        assert response.status_code == 400, method
        assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:8080"
    assert not calls(services)


@pytest.mark.parametrize("raw_path, service, upstream_path", [
    ("/api/courses//units///7", "courses", "/units/7"),
    ("//api/courses/units", "courses", "/units"),
    ("/api//courses/units/", "courses", "/units/"),
    ("/api/accounts/me", "accounts", "/me"),
    ("/api/courses/units/a.b", "courses", "/units/a.b"),
    ("/api/courses/units/...", "courses", "/units/..."),
    ("/api/courses/units/.hidden", "courses", "/units/.hidden"),
    ("/api/courses/units/%E6%95%99%E5%AD%B8", "courses", "/units/教學"),
    ("/api/courses/units/a%20b", "courses", "/units/a b"),
    ("/api/courses/units/metrics", "courses", "/units/metrics"),
    ("/api/stats/readyz-report", "stats", "/readyz-report"),
    ("/login//county/TPE", "sso", "/login/county/TPE"),
    ("//.well-known/openid-configuration", "sso", "/.well-known/openid-configuration"),
    ("/oauth//token", "sso", "/oauth/token"),
])
def test_the_service_sees_the_normalised_path(gateway, services, raw_path, service,
                                              upstream_path):
    """R-GW-1: what the gateway routed is what the service is asked, and nothing else."""
    response = send(gateway, raw_path)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert calls(services) == [(service, upstream_path)]


def test_a_double_slash_is_never_a_redirect_to_another_host(gateway, services):
    """R-GW-1: Werkzeug answered ``//readyz`` with 308 to ``http://readyz/``."""
    for raw_path in ("//readyz", "//evil.example/x", "//api/courses/units"):
        response = send(gateway, raw_path)
        assert response.status_code != 308 and "Location" not in response.headers, raw_path


INGRESS = {"TRUSTED_PROXIES": "127.0.0.1"}
FROM_THE_INGRESS = {"X-Forwarded-For": "203.0.113.7"}


@pytest.mark.parametrize("raw_path", ["/metrics", "/readyz", "//metrics", "//readyz",
                                      "/metrics/", "/READYZ", "/metrics;x", "/api/../metrics"])
def test_the_gateways_own_metrics_and_readiness_are_not_public(make_gateway, raw_path):
    """R-GW-1: behind the ingress (a trusted proxy), what it forwards is public: the
    gateway's own /metrics and /readyz are for the kubelet and Prometheus only."""
    response = send(make_gateway(env=INGRESS), raw_path, headers=FROM_THE_INGRESS)
    assert response.status_code in (400, 404), f"{raw_path}: {response.status_code}"
    assert response.mimetype == "application/problem+json"


def test_the_kubelet_and_prometheus_still_see_the_gateways_own(make_gateway):
    """R-OPS-2: direct callers (no proxy hop) get readiness and metrics."""
    gateway = make_gateway(env=INGRESS)
    assert send(gateway, "/readyz").status_code == 200
    metrics = send(gateway, "/metrics")
    assert metrics.status_code == 200 and b"http_requests_total" in metrics.data
    # The public health summary stays public.
    assert send(gateway, "/healthz", headers=FROM_THE_INGRESS).status_code == 200


@pytest.mark.parametrize("service_path, internal", [
    ("/metrics", True), ("/METRICS/", True), ("/metrics;x", True), ("/metrics. ", True),
    ("/readyz/more", True), ("/healthz", True), ("/openapi.json", True),
    ("/Openapi.Json;v", True), ("/metrics-report", False), ("/units/metrics", False),
    ("/", False), ("/me", False), ("/openapi.jsonx", False),
])
def test_internal_names_are_recognised_in_any_case_and_with_parameters(service_path, internal):
    assert is_internal(service_path) is internal


@pytest.mark.parametrize("service", SERVICES)
def test_what_a_service_serves_beyond_its_api_is_exactly_the_internal_paths(service, tmp_path):
    """R-GW-1: each service's own routes outside its declared API (the kit's) are the
    ones the gateway hides; a new one must be added to the list, or it would be public."""
    module = importlib.import_module(f"services.{service}.app")
    app = module.create_app(Settings.from_env(service, {"DATA_DIR": str(tmp_path),
                                                        "LOG_LEVEL": "WARNING"}))
    outside_api = {rule.rule for rule in app.url_map.iter_rules() if "." not in rule.endpoint}
    assert outside_api == {"/healthz", "/readyz", "/metrics", "/openapi.json"}
    for path in outside_api:
        assert resolve(f"/api/{service}{path}") is None, f"/api/{service}{path} is routed"
