"""The web client's Flask app: ``create_app()`` builds it, nothing happens at import.

Pages are served under the prefixes the gateway routes here (gateway/routes.py,
``WEB_PREFIXES``); the kit's base app adds ``/healthz``, ``/readyz`` and ``/metrics``.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Flask, request
from flask_wtf.csrf import CSRFProtect, generate_csrf

from servicekit.settings import Settings
from servicekit.web import create_base_app
from web import auth, dates, errors, i18n
from web.api import PlatformApi
from web.components import WebComponents
from web.oidc import OidcProvider
from web.pages import (
    amendments,
    materials,
    news,
    operator,
    operator_sso,
    organiser,
    plans,
    public,
    reviewer,
    statistics,
    teacher,
    transfer,
)
from web.sessions import ServerSessionInterface, SessionStore, store_for
from web.settings import WebSettings

STATIC_MAX_AGE = 3600


def create_app(settings: Settings | None = None, *, api: PlatformApi | None = None,
               provider: OidcProvider | None = None,
               store: SessionStore | None = None) -> Flask:
    """``api``, ``provider``, ``store``: stand-ins for tests; otherwise from the settings."""
    base = settings or Settings.from_env("web")
    web_settings = WebSettings.from_settings(base)
    store = store or store_for(web_settings.session_store)
    api = api or PlatformApi(web_settings.gateway_url, web_settings.api_timeout_seconds)
    provider = provider or OidcProvider(api, web_settings)
    app = create_base_app(base, name="web", readiness=_readiness(store))
    app.extensions["web"] = WebComponents(web_settings, api, provider, store)
    app.secret_key = web_settings.session_key()
    app.session_interface = ServerSessionInterface(store, web_settings.session_seconds,
                                                   web_settings.secure_cookies)
    app.config.update(WTF_CSRF_TIME_LIMIT=None,  # valid as long as the session
                      WTF_CSRF_SSL_STRICT=False,  # behind the gateway the scheme is its own
                      SEND_FILE_MAX_AGE_DEFAULT=STATIC_MAX_AGE,
                      MAX_CONTENT_LENGTH=12 * 1024 * 1024)  # the API takes 10 MiB attachments
    app.static_folder = "static"
    app.add_url_rule("/static/<path:filename>", endpoint="static",
                     view_func=app.send_static_file)
    app.before_request(transfer.allow_larger_files)  # before CSRF reads the form
    CSRFProtect(app)
    i18n.install_languages(app, base.data_dir / "web" / "translations")
    errors.install(app)
    for blueprint in (auth.bp, public.bp, teacher.bp, organiser.bp, reviewer.bp,
                      statistics.bp, operator.bp, operator_sso.bp, plans.bp, materials.bp,
                      news.bp, amendments.bp, transfer.bp):
        app.register_blueprint(blueprint)
    app.context_processor(_template_context)
    _install_filters(app)

    @app.after_request
    def _headers(response: Any) -> Any:
        # No asset from anywhere else, no framing, no script but our own files.
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; object-src 'none'; "
            "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app


def _readiness(store: SessionStore) -> dict[str, Any]:
    ping = getattr(store, "ping", None)
    return {"session-store": ping} if ping else {}


def _template_context() -> dict[str, Any]:
    language = i18n.current_language()
    return {"language": language, "html_lang": i18n.html_lang(language),
            "person": auth.person(), "has_role": auth.has_role, "csrf_token": generate_csrf,
            "back": auth.here() if request.method == "GET" else "/", "query_with": query_with,
            "marquee": news.marquee}


def query_with(**changes: Any) -> str:
    """This page's query with some parameters changed (None: left out), for links."""
    pairs = [(name, value) for name, value in request.args.items(multi=True)
             if name not in changes]
    pairs += [(name, str(value)) for name, value in changes.items() if value is not None]
    return urlencode(pairs)


def _install_filters(app: Flask) -> None:
    app.add_template_filter(lambda value: dates.day(value, i18n.current_language()), "day")
    app.add_template_filter(lambda value: dates.year(value, i18n.current_language()), "year")
    app.add_template_filter(lambda value: dates.moment(value, i18n.current_language()), "moment")
    app.add_template_filter(
        lambda terms: [(term["code"], term.get("label") or term["code"]) for term in terms],
        "zip_labels")
