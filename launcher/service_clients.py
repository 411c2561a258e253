"""The platform services' own clients at sso (client credentials): the transfer service
resolves teachers through the accounts service with a token of its own, as the service
client ``service-transfer`` whose secret is the transfer service's
``TRANSFER_SERVICE_CLIENT_SECRET``. Set-up registers it with that same secret: the
embedded default at every start (its secret is made under the data folder on first use),
the first-operator command on real servers (``python -m services.sso
register-service-client transfer``, the secret on standard input)."""
from __future__ import annotations

import logging
from collections.abc import Mapping

from servicekit.service import Runtime
from servicekit.settings import MissingSecret, Settings

log = logging.getLogger("launcher")
SERVICE_CLIENTS = ("transfer",)


def client_secret(service: str, environ: Mapping[str, str]) -> str | None:
    """The secret the service presents to sso; None where it is not configured (real
    servers whose environment here does not hold it)."""
    try:
        return Settings.from_env(service, environ).secret("SERVICE_CLIENT_SECRET")
    except MissingSecret:
        return None


def register_embedded(sso: Runtime, environ: Mapping[str, str]) -> None:
    for service in SERVICE_CLIENTS:
        secret = client_secret(service, environ)
        if secret is not None:
            done = sso.components.machine_clients.ensure_service_client(
                service, secret, by="platform set-up")
            log.info("service client ready", extra=done)
