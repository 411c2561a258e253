"""Issue 14, R-WEB-1: with every process apart (``make up`` on real servers), the web
client calls the API through a gateway of its own, never through the public gateway whose
threads its pages hold; ``make up`` still announces the public gateway alone."""
from __future__ import annotations

from launcher import web_gateway
from servicekit.settings import Settings
from web.settings import WebSettings

ENVIRON = {"GATEWAY_HTTP_PORT": "9080", "HTTP_HOST": "127.0.0.1",
           "PUBLIC_URL": "http://127.0.0.1:9080", "GATEWAY_RATE_LIMIT_STORAGE": "redis://r/0"}


def test_the_web_clients_gateway_is_the_public_one_on_its_own_port_for_the_api_alone() -> None:
    environ = {**ENVIRON, "GATEWAY_FOR_WEB_PORT": "9107"}
    own = Settings.from_env("gateway", web_gateway.gateway_environment(environ))
    public = Settings.from_env("gateway", environ)
    assert (public.http_port, own.http_port) == (9080, 9107)
    assert own.value("API_ONLY") == "true" and public.value("API_ONLY") is None
    assert own.value("RATE_LIMIT_STORAGE") == public.value("RATE_LIMIT_STORAGE") == "redis://r/0"
    assert own.service_urls == public.service_urls


def test_the_web_client_calls_its_own_gateway_not_the_public_one() -> None:
    environ = {**ENVIRON, "GATEWAY_FOR_WEB_PORT": "9107",
               "WEB_GATEWAY_URL": "http://127.0.0.1:9080"}  # a stale setting is replaced
    web = WebSettings.from_settings(Settings.from_env("web", web_gateway.web_client_environment(environ)))
    assert web.gateway_url == "http://127.0.0.1:9107"
    assert web.public_url == "http://127.0.0.1:9080", "sign-in still names the public origin"


def test_the_web_clients_gateway_has_a_default_port_and_a_reachable_host() -> None:
    environ = {**ENVIRON, "HTTP_HOST": "0.0.0.0"}
    web = Settings.from_env("web", web_gateway.web_client_environment(environ))
    assert web.value("GATEWAY_URL") == f"http://127.0.0.1:{web_gateway.DEFAULT_PORT}"
    own = Settings.from_env("gateway", web_gateway.gateway_environment(environ))
    assert own.http_port == web_gateway.DEFAULT_PORT == 8107
