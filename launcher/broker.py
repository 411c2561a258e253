"""``make up`` on a real broker: each service on its own broker user, as in production.

``BROKER_URL`` is then the administrator's URL (``guest`` on a development machine): the
launcher declares the shared exchanges with it and, with ``rabbitmqctl`` on this machine,
makes (or re-keys, with a new password each start) the user ``<BROKER_USER_PREFIX><service>``
of each service with the rights of ``servicekit.bus.access``. A service's processes get
only their own URL: another service's credentials, or the administrator's, never reach
them. Where the broker is not local, the operator makes the users
(``python -m servicekit.bus.setup rabbitmqctl`` prints the commands) and gives every
``<SERVICE>_BROKER_URL``; the launcher then uses those as they are.
"""
from __future__ import annotations

import secrets
import shutil
import subprocess
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import unquote, urlsplit

from servicekit.bus import access, setup


class BrokerUsersMissing(RuntimeError):
    """Neither every service's own broker URL nor a local rabbitmqctl to make them."""


def run_rabbitmqctl(*args: str) -> str:
    return subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True,
                          text=True, timeout=60).stdout


def service_environments(environ: Mapping[str, str], services: Iterable[str],
                         rabbitmqctl: Callable[..., object] | None = None,
                         ) -> dict[str, dict[str, str]]:
    """Each service's environment, with its own ``BROKER_URL`` and no other broker URL."""
    services = list(services)
    admin_url = environ.get("BROKER_URL", "")
    given = {name: environ.get(f"{name.upper()}_BROKER_URL", "") for name in services}
    if all(given.values()):
        if admin_url:
            setup.declare_shared(admin_url)
        urls = given
    else:
        if rabbitmqctl is None and shutil.which("rabbitmqctl") is None:
            missing = sorted(f"{name.upper()}_BROKER_URL" for name, url in given.items() if not url)
            raise BrokerUsersMissing(
                f"each service needs its own broker user: set {', '.join(missing)} (the "
                f"operator makes the users: python -m servicekit.bus.setup rabbitmqctl), or "
                f"run this where rabbitmqctl manages the broker")
        setup.declare_shared(admin_url)
        vhost = unquote(urlsplit(admin_url).path[1:]) or "/"
        prefix = environ.get("BROKER_USER_PREFIX", "")
        urls = {}
        for name in services:
            user, password = access.user_name(name, prefix), secrets.token_hex(24)
            setup.grant_with_rabbitmqctl(rabbitmqctl or run_rabbitmqctl, name, user, password,
                                         vhost)
            urls[name] = setup.service_url(admin_url, user, password)
    return {name: {**without_broker_urls(environ, services), "BROKER_URL": urls[name]}
            for name in services}


def without_broker_urls(environ: Mapping[str, str], services: Iterable[str]) -> dict[str, str]:
    """The environment without the administrator's or any service's broker URL (the
    gateway's, and the base of each service's)."""
    names = {"BROKER_URL", *(f"{name.upper()}_BROKER_URL" for name in services)}
    return {key: value for key, value in environ.items() if key not in names}
