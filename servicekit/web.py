"""The Flask app every service and the gateway start from: request ids, JSON logs,
metrics, problem+json errors, ``/healthz``, ``/readyz`` and ``/metrics``."""
from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from flask import Flask, Response, current_app, g, jsonify, request

from servicekit import context, metrics, outage
from servicekit.json_provider import OrjsonProvider
from servicekit.logs import configure_logging
from servicekit.problems import install_problem_handlers
from servicekit.settings import Settings

if TYPE_CHECKING:
    from servicekit.api import ServiceApi
    from servicekit.service import Runtime, ServiceDefinition

ReadinessCheck = Callable[[], None]  # raises when the dependency is not reachable
log = logging.getLogger("servicekit.http")


def create_base_app(settings: Settings, name: str | None = None,
                    readiness: Mapping[str, ReadinessCheck] | None = None,
                    health_route: bool = True, trust_request_id: bool = True,
                    secret_paths: Sequence[re.Pattern[str]] = ()) -> Flask:
    """``trust_request_id``: take ``X-Request-Id`` from the caller (services, behind the
    gateway) or always assign a new one (the gateway, facing clients). ``secret_paths``:
    paths whose first group is a secret (a key in an address), logged without it."""
    name = name or settings.service
    configure_logging(name, settings.log_level)
    app = Flask(name, static_folder=None)  # no files served: no /static/… route either
    app.config["SETTINGS"] = settings
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024 * 1024
    app.config["SECRET_PATHS"] = tuple(secret_paths)
    app.json = OrjsonProvider(app)  # Flask's JSON, the same text, faster
    app.json.ensure_ascii = False  # zh-TW stays readable
    install_problem_handlers(app)
    _install_request_context(app, name, trust_request_id)
    checks = dict(readiness or {})

    if health_route:
        @app.get("/healthz")
        def healthz() -> Response:
            return jsonify(status="ok", service=name)

    @app.get("/readyz")
    def readyz() -> tuple[Response, int]:
        results, ready = run_checks(checks, service=name)
        return jsonify(status="ready" if ready else "unavailable", service=name,
                       checks=results), (200 if ready else 503)

    @app.get("/metrics")
    def metrics_route() -> Response:
        body, content_type = metrics.render()
        return Response(body, content_type=content_type)

    return app


def run_checks(checks: Mapping[str, ReadinessCheck],
               service: str | None = None) -> tuple[dict[str, str], bool]:
    """``service``: whose outage trackers hear of each result (a web process learns of the
    broker only here), so a probe every few seconds logs one line per outage."""
    results: dict[str, str] = {}
    for check_name, check in checks.items():
        tracker = outage.tracker(service, check_name) if service else None
        try:
            check()
            results[check_name] = "ok"
            if tracker is not None:
                tracker.ok()
        except Exception as error:  # any failure means "not ready"; say which
            results[check_name] = f"unavailable: {type(error).__name__}"
            if tracker is not None:
                tracker.failed(error, "reporting not ready until it is back")
    return results, all(value == "ok" for value in results.values())


def _install_request_context(app: Flask, service: str, trust_request_id: bool) -> None:
    @app.before_request
    def _begin() -> None:
        incoming = (context.acceptable_id(request.headers.get(context.REQUEST_ID_HEADER))
                    if trust_request_id else None)
        g.request_id = incoming or context.new_id()
        g.correlation_token = context.bind(g.request_id)
        context.bind_service(service)
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers[context.REQUEST_ID_HEADER] = g.get("request_id", "")
        route = request.url_rule.rule if request.url_rule else "unmatched"
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        metrics.HTTP_REQUESTS.labels(service, request.method, route, str(response.status_code)).inc()
        metrics.HTTP_LATENCY.labels(service, request.method, route).observe(elapsed)
        if route not in ("/healthz", "/readyz", "/metrics"):
            log.info("request", extra={"method": request.method, "path": _loggable_path(),
                                       "status": response.status_code,
                                       "duration_ms": round(elapsed * 1000, 1)})
        return response

    @app.teardown_request
    def _unbind(_error: BaseException | None) -> None:
        token = g.pop("correlation_token", None)
        if token is not None:
            context.unbind(token)


def create_service_app(runtime: Runtime, api: ServiceApi, title: str) -> Flask:
    """A service's whole app: the base, its runtime, its declared API and OpenAPI."""
    app = create_base_app(runtime.settings, readiness=runtime.readiness())
    app.extensions["runtime"] = runtime
    metrics.scraped_by(runtime.definition.name, runtime.scraped_figures())
    api.install(app, title)
    return app


def app_for(runtime: Runtime) -> Flask:
    """The web app of ``runtime``'s service, on that runtime (its engine, its components),
    as its definition's ``web`` describes it."""
    if runtime.definition.web is None:
        raise LookupError(f"the {runtime.definition.name} service declares no web app")
    web = runtime.definition.web()
    app = create_service_app(runtime, web.api, web.title)
    if web.extend is not None:
        web.extend(app, runtime)
    return app


def current_runtime() -> Runtime:
    from flask import current_app
    return current_app.extensions["runtime"]


def service_app_factory(definition: ServiceDefinition) -> Callable[..., Flask]:
    """The ``create_app`` a service's ``app.py`` exposes to gunicorn and to tests: a new
    runtime from ``settings`` (or the environment), and ``app_for`` it."""
    def create_app(settings: Settings | None = None) -> Flask:
        from servicekit.service import Runtime
        return app_for(Runtime(definition, settings or Settings.from_env(definition.name)))
    return create_app


def _loggable_path() -> str:
    """The path as logged. A secret in an address (the key of a calendar feed that apps
    read without signing in) never reaches the logs: a route's path part named ``token``,
    and the first group of the app's ``secret_paths``, are logged as ``<token>``."""
    path = request.path
    secret = (request.view_args or {}).get("token")
    if isinstance(secret, str) and secret:
        path = path.replace(secret, "<token>")
    for pattern in current_app.config.get("SECRET_PATHS", ()):
        found = pattern.fullmatch(path)
        if found:
            path = path[:found.start(1)] + "<token>" + path[found.end(1):]
    return path
