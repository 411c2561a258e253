"""The transfer service's own token for the services it calls: OAuth 2.0 client
credentials (RFC 6749 4.4) at sso's token endpoint as the platform's service client
``service-transfer``, with the secret ``TRANSFER_SERVICE_CLIENT_SECRET``. The token is
kept until shortly before it expires (``MARGIN_SECONDS``) and shared by every thread of
the process; a refusal by the called service drops it (``forget``) so the next call
asks for a new one."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

import requests

from servicekit.errors import Unavailable

CLIENT_ID = "service-transfer"
MARGIN_SECONDS = 60  # asked for again this long before it expires


class ServiceToken:
    def __init__(self, token_url: str, client_id: str, secret: Callable[[], str], scope: str,
                 session: requests.Session, timeout: float = 10.0,
                 now: Callable[[], float] = time.monotonic) -> None:
        self.token_url, self.client_id, self.scope = token_url, client_id, scope
        self._secret, self._session, self._timeout, self._now = secret, session, timeout, now
        self._lock = threading.Lock()
        self._token: str | None = None
        self._until = 0.0

    def __call__(self) -> str:
        with self._lock:
            if self._token is None or self._now() >= self._until:
                self._token, self._until = self._fetch()
            return self._token

    def forget(self) -> None:
        with self._lock:
            self._token, self._until = None, 0.0

    def _fetch(self) -> tuple[str, float]:
        asked = self._now()
        try:
            response = self._session.post(
                self.token_url, timeout=self._timeout, auth=(self.client_id, self._secret()),
                data={"grant_type": "client_credentials", "scope": self.scope})
            response.raise_for_status()
            answer = response.json()
            token, lifetime = str(answer["access_token"]), float(answer["expires_in"])
        except (requests.RequestException, ValueError, KeyError, TypeError):
            raise Unavailable("service-token-unavailable", "The service token cannot be had now",
                              "the sso service did not issue the transfer service's own "
                              "token; send again later", retry_after=60) from None
        return token, asked + max(lifetime - MARGIN_SECONDS, lifetime / 2)
