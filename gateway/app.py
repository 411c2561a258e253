"""The gateway's Flask app: ``create_app()`` builds it, nothing happens at import."""
from __future__ import annotations

from flask import Flask, Response, jsonify, request
from flask_cors import CORS

from gateway.clients import ClientAddresses
from gateway.guard import RequestGuard
from gateway.health import health_report
from gateway.openapi import ApiDocument
from gateway.paths import NormalisedPaths, raise_refusal
from gateway.proxy import Upstreams
from gateway.ratelimit import RateLimits
from gateway.routes import SECRET_PATHS, resolve
from servicekit import context
from servicekit.problems import not_found
from servicekit.settings import WEB_CLIENT, InvalidSetting, Settings
from servicekit.tokens import JwksKeySource, TokenVerifier, userinfo_verifier
from servicekit.web import create_base_app

# OPTIONS is not proxied: Flask answers it, and flask-cors makes it the CORS preflight.
PROXIED_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
DEFAULT_CORS_ORIGINS = "http://127.0.0.1:8080,http://localhost:8080"
# Browsers call these from other origins; /login and /logout are page navigations.
CORS_PATHS = (r"/api/.*", r"/oauth/.*", r"/jwks\.json", r"/\.well-known/.*")
OWN_INTERNAL_PATHS = ("/readyz", "/metrics")  # servicekit.web serves them on every app


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env("gateway")
    limits = RateLimits.from_settings(settings)
    app = create_base_app(settings, name="gateway", health_route=False, trust_request_id=False,
                          readiness={"rate-limit-storage": limits.check_storage},
                          secret_paths=SECRET_PATHS)
    upstreams = Upstreams(_upstream_urls(settings),
                          read_timeout=_seconds(settings, "UPSTREAM_TIMEOUT", 10.0))
    keys = JwksKeySource(settings.jwks_url)
    verifier = TokenVerifier(settings.token_issuer, settings.token_audience, keys,
                             clients=settings.platform_clients)
    # Userinfo (sso) also takes a partner site's token, made for it alone.
    clients = ClientAddresses(settings.value("TRUSTED_PROXIES"))
    # A transfer source's push takes its machine token (client credentials) alone.
    machine = TokenVerifier(settings.token_issuer,
                            settings.value("TRANSFER_AUDIENCE", "inservice-transfer"), keys)
    guard = RequestGuard(verifier, limits, clients, userinfo_verifier(verifier, keys), machine)
    api_document = ApiDocument(upstreams)
    app.extensions["gateway.upstreams"] = upstreams  # so whoever ends the app can close its pool
    # One spelling of the path for Flask's routing, the route table and the service: no
    # `//` is left for Werkzeug to merge (or to redirect to `//host`) after we looked.
    app.wsgi_app = NormalisedPaths(app.wsgi_app)  # type: ignore[method-assign]  # Flask's middleware hook
    _install_cors(app, settings)

    @app.before_request
    def _refuse_bad_paths_and_hide_internals() -> None:
        raise_refusal(request.environ)
        # The gateway's own readiness and metrics are for the kubelet and Prometheus,
        # which call the pod directly; what the ingress forwards is public.
        rule = request.url_rule.rule if request.url_rule else None
        if rule in OWN_INTERNAL_PATHS and clients.through_trusted_proxy(request):
            raise not_found(f"No service answers {request.path}.")

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(health_report(upstreams, _request_id_header()))

    @app.get("/api/openapi.json")
    def openapi() -> Response:
        return jsonify(api_document.get(_request_id_header()))

    @app.route("/", defaults={"path": ""}, methods=PROXIED_METHODS)
    @app.route("/<path:path>", methods=PROXIED_METHODS)
    def proxy(path: str) -> Response:
        guard.admit(request)
        target = resolve(request.path)  # normalised by NormalisedPaths
        if target is None or not upstreams.knows(target.service):
            raise not_found(f"No service answers {request.path}.")
        headers = {**clients.forwarded_headers(request), **_request_id_header()}
        return upstreams.forward(request, target, headers)

    return app


def _upstream_urls(settings: Settings) -> dict[str, str]:
    """Every service, and the web client's pages unless this gateway serves the API only.

    The web client's own API calls go through a gateway of their own (``API_ONLY=true``,
    docs/architecture.md, "The web client's own gateway"): a page holds a thread of the
    public gateway while it waits for its calls, so calls queued behind pages on the same
    threads would wait out their time-out. That gateway must never hand a page back to
    the web client, or the loop, and the starvation with it, would be back."""
    raw = (settings.value("API_ONLY", "false") or "false").strip().lower()
    if raw not in ("true", "false"):
        raise InvalidSetting(f"API_ONLY = {raw!r}: true or false")
    urls = dict(settings.service_urls)
    if raw == "true":
        urls.pop(WEB_CLIENT, None)
    return urls


def _install_cors(app: Flask, settings: Settings) -> None:
    origins = [origin.strip() for origin in
               (settings.value("CORS_ORIGINS", DEFAULT_CORS_ORIGINS) or "").split(",")
               if origin.strip()]
    CORS(app, resources={path: {} for path in CORS_PATHS}, origins=origins,
         allow_headers=["Authorization", "Content-Type", context.REQUEST_ID_HEADER],
         expose_headers=[context.REQUEST_ID_HEADER, "Retry-After"], max_age=600,
         always_send=False)


def _request_id_header() -> dict[str, str]:
    return {context.REQUEST_ID_HEADER: context.current_correlation_id() or context.new_id()}


def _seconds(settings: Settings, name: str, default: float) -> float:
    raw = settings.value(name, str(default))
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if value <= 0:
        raise InvalidSetting(f"{name} = {raw!r}: a positive number of seconds is needed")
    return value
