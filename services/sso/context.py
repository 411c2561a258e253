"""What the use cases work with, built once per runtime (one per process and service) and
lazily: building it touches no file, database or network."""
from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from typing import Any

from servicekit.mail import SmtpMailer
from servicekit.service import Runtime
from servicekit.tokens import OneOfVerifiers, TokenVerifier, userinfo_verifier
from services.sso.adapters.keys import KeyStore
from services.sso.adapters.orm import utcnow
from services.sso.adapters.passwords import Passwords
from services.sso.adapters.sealing import Sealer
from services.sso.adapters.sector_documents import SectorDocuments
from services.sso.adapters.throttle import Throttle
from services.sso.config import SsoConfig

LOGOUT_TOKEN_SECONDS = 120


class Sso:
    def __init__(self, runtime: Runtime, clock: Callable[[], datetime] = utcnow) -> None:
        self.runtime = runtime
        self.database = runtime.database
        self.outbox = runtime.outbox
        self.config = SsoConfig(runtime.settings)
        self.clock = clock
        self._verifiers: dict[tuple[str, str, int], TokenVerifier] = {}
        self._upstreams: dict[str, Any] = {}
        self._lock = threading.Lock()

    @cached_property
    def sealer(self) -> Sealer:
        return Sealer(self.config.key_encryption_secret,
                      self.config.retired_key_encryption_secrets)

    @cached_property
    def keys(self) -> KeyStore:
        longest = max(self.config.access_token_seconds, self.config.id_token_seconds,
                      LOGOUT_TOKEN_SECONDS)
        return KeyStore(self.database, lambda: self.sealer, self.config.key_size,
                        self.config.key_publish_ahead_seconds, longest, clock=self.clock)

    @cached_property
    def sector_documents(self) -> SectorDocuments:
        return SectorDocuments(self.config.outgoing_timeout_seconds)

    @cached_property
    def passwords(self) -> Passwords:
        return Passwords(self.config.argon2)

    @cached_property
    def throttle(self) -> Throttle:
        c = self.config
        return Throttle(self.database, c.lockout_attempts, c.lockout_window_seconds,
                        c.lockout_seconds, clock=self.clock)

    @cached_property
    def mailer(self) -> SmtpMailer:
        c = self.config
        return SmtpMailer(c.smtp_host, c.smtp_port, c.smtp_sender, c.smtp_username,
                          c.smtp_password, c.smtp_starttls, c.outgoing_timeout_seconds)

    @cached_property
    def api_verifier(self) -> TokenVerifier:
        """The strict verifier of the kit, on this service's own keys, for the API: the
        platform's own clients' tokens only, as everywhere else on the platform."""
        c = self.config
        return TokenVerifier(c.issuer, c.api_audience, self.keys, clients=c.platform_clients)

    @cached_property
    def access_token_verifier(self) -> OneOfVerifiers:
        """For the access tokens clients hand back (userinfo, introspection, revocation):
        a partner's, made for userinfo, or one of the platform's own clients'."""
        return userinfo_verifier(self.api_verifier, self.keys)

    def hint_verifier(self, client_id: str) -> TokenVerifier:
        """For id tokens a client hands back: the client is the audience, and an expired
        hint is still accepted within ``logout_hint_max_age_seconds`` (RP-Initiated
        Logout 1.0, 2: the session may have outlived the id token)."""
        return self._verifier(TokenVerifier, client_id,
                              self.config.logout_hint_max_age_seconds)

    def _verifier(self, kind: type[TokenVerifier], audience: str, leeway: int) -> TokenVerifier:
        key = (kind.__name__, audience, leeway)
        with self._lock:
            if key not in self._verifiers:
                if len(self._verifiers) > 1000:  # audiences come from requests: bounded
                    self._verifiers.clear()
                self._verifiers[key] = kind(self.config.issuer, audience, self.keys, leeway=leeway)
            return self._verifiers[key]

    def upstream_provider(self, key: str, build: Callable[[], Any]) -> Any:
        """One upstream client per county and process: it caches the county's discovery
        document and JWKS."""
        with self._lock:
            if key not in self._upstreams:
                self._upstreams[key] = build()
            return self._upstreams[key]

    def now(self) -> datetime:
        return self.clock()


_INSTANCES: weakref.WeakKeyDictionary[Runtime, Sso] = weakref.WeakKeyDictionary()
_INSTANCES_LOCK = threading.Lock()


def sso_of(runtime: Runtime) -> Sso:
    with _INSTANCES_LOCK:
        instance = _INSTANCES.get(runtime)
        if instance is None:
            instance = _INSTANCES[runtime] = Sso(runtime)
        return instance
