"""The web client's own gateway when every process runs apart (``make up`` on real servers).

There, the gateway is gunicorn with a fixed number of threads (2 workers of 4 by default),
and a page holds one of them while the web client calls the API for it: calls sent back
through the same gateway would queue behind the pages and wait out their time-out
(docs/architecture.md, "The web client's own gateway"). So the web client's calls go to a
second gateway process, the same code and settings, API only (``GATEWAY_API_ONLY``), on
a port of its own (``GATEWAY_FOR_WEB_PORT``, default 8107) that ``make up`` does not
announce: the public gateway stays the one address.

The embedded default needs none: its servers start a thread per request (werkzeug's
threaded server), so no pool of threads can be taken by pages.
"""
from __future__ import annotations

from collections.abc import Mapping

from servicekit.settings import Settings

DEFAULT_PORT = 8107
PORT_SETTING = "GATEWAY_FOR_WEB_PORT"


def port(environ: Mapping[str, str]) -> int:
    return int(environ.get(PORT_SETTING) or DEFAULT_PORT)


def gateway_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The public gateway's environment, on the web client's port, for the API alone."""
    return {**environ, "GATEWAY_HTTP_PORT": str(port(environ)), "GATEWAY_API_ONLY": "true"}


def web_client_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The web client's environment, its API calls sent to its own gateway."""
    host = Settings.from_env("gateway", environ).http_host
    if host in ("0.0.0.0", "::", ""):  # listening everywhere: reach it on this machine
        host = "127.0.0.1"
    return {**environ, "WEB_GATEWAY_URL": f"http://{host}:{port(environ)}"}
