"""The sso service's own settings, read once from the kit's ``Settings``.

Every name is looked up with the ``SSO_`` prefix first, then without (``servicekit.settings``).
Secrets come from ``settings.secret``: generated locally in the embedded default, required
in production. ``PAIRWISE_KEY`` must never change once partners hold subjects: every
pairwise ``sub`` is derived from it. ``KEY_ENCRYPTION_KEY`` may change, with the old secret
in ``RETIRED_KEY_ENCRYPTION_KEYS`` until ``reseal-secrets`` has run (adapters/sealing.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from servicekit.settings import InvalidSetting, Settings
from servicekit.tokens import userinfo_audience


@dataclass(frozen=True)
class Argon2Parameters:
    time_cost: int
    memory_kib: int
    parallelism: int


# Only for the embedded demo seed (hundreds of demo accounts at ``make up``): cheap hashes
# that the first sign-in replaces with ones made with the configured parameters.
DEMO_ARGON2 = Argon2Parameters(time_cost=1, memory_kib=4096, parallelism=1)


class SsoConfig:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.issuer = settings.token_issuer.rstrip("/")
        self.api_audience = settings.token_audience
        # Partner sites' access tokens are for userinfo only (servicekit.tokens).
        self.userinfo_audience = userinfo_audience(self.issuer)
        self.platform_clients = settings.platform_clients
        # Machine clients' tokens (client credentials, the transfer service's sources) are
        # for the transfer service alone: an audience no other verifier accepts.
        self.transfer_audience = settings.value("TRANSFER_AUDIENCE",
                                                "inservice-transfer") or "inservice-transfer"
        # The platform's service clients' tokens, for the service each one calls (the
        # accounts service's bulk lookup, for the transfer service).
        self.service_audiences = {"accounts": settings.value(
            "ACCOUNTS_AUDIENCE", "inservice-accounts") or "inservice-accounts"}
        self.access_token_seconds = self._int("ACCESS_TOKEN_SECONDS", 600)
        self.id_token_seconds = self._int("ID_TOKEN_SECONDS", 600)
        self.refresh_token_seconds = self._int("REFRESH_TOKEN_SECONDS", 14 * 86400)
        # However often its refresh tokens rotate, a grant ends this long after it was made.
        self.grant_max_seconds = self._int("GRANT_MAX_SECONDS", 30 * 86400)
        self.code_seconds = self._int("CODE_SECONDS", 120)
        self.authorization_request_seconds = self._int("AUTHORIZATION_REQUEST_SECONDS", 900)
        self.session_seconds = self._int("SESSION_SECONDS", 8 * 3600)
        self.lockout_attempts = self._int("LOCKOUT_ATTEMPTS", 5)
        self.lockout_window_seconds = self._int("LOCKOUT_WINDOW_SECONDS", 900)
        self.lockout_seconds = self._int("LOCKOUT_SECONDS", 900)
        self.argon2 = Argon2Parameters(self._int("ARGON2_TIME_COST", 3),
                                       self._int("ARGON2_MEMORY_KIB", 65536),
                                       self._int("ARGON2_PARALLELISM", 4))
        self.key_size = self._int("SIGNING_KEY_BITS", 2048)
        # Verifiers cache the JWKS for 300 s and refetch on an unknown kid at most every
        # 30 s (servicekit.tokens.JwksKeySource): a next key is published longer than that
        # before it signs.
        self.key_publish_ahead_seconds = self._int("KEY_PUBLISH_AHEAD_SECONDS", 3600)
        self.record_retention_days = self._int("RECORD_RETENTION_DAYS", 365)
        self.logout_hint_max_age_seconds = self._int("LOGOUT_HINT_MAX_AGE_SECONDS", 86400)
        self.outgoing_timeout_seconds = float(self._int("OUTGOING_TIMEOUT_SECONDS", 5))
        self.smtp_host = settings.value("SMTP_HOST", "127.0.0.1") or "127.0.0.1"
        self.smtp_port = self._int("SMTP_PORT", 25)
        self.smtp_sender = settings.value("SMTP_FROM", "inservice@localhost") or ""
        self.smtp_username = settings.value("SMTP_USERNAME") or None
        self.smtp_password = settings.value("SMTP_PASSWORD") or None
        self.smtp_starttls = (settings.value("SMTP_STARTTLS", "false") or "").lower() == "true"
        self.demo_seed_timeout_seconds = self._int("DEMO_SEED_TIMEOUT_SECONDS", 60)
        if self.key_publish_ahead_seconds < 60:
            raise InvalidSetting("SSO_KEY_PUBLISH_AHEAD_SECONDS must be at least 60")

    def _int(self, name: str, default: int) -> int:
        return self.settings.positive_int(name, default)

    @property
    def secure_cookies(self) -> bool:
        return self.issuer.startswith("https://")

    # Secrets: read on first use (no file is touched when the app is only built).
    @cached_property
    def key_encryption_secret(self) -> str:
        return self.settings.secret("KEY_ENCRYPTION_KEY")

    @cached_property
    def retired_key_encryption_secrets(self) -> tuple[str, ...]:
        """Earlier ``KEY_ENCRYPTION_KEY`` secrets (comma-separated), kept while sealed
        values still use them: optional, so not a ``secret`` that production requires."""
        return self.settings.earlier_secrets("RETIRED_KEY_ENCRYPTION_KEYS")

    @cached_property
    def pairwise_secret(self) -> bytes:
        return self.settings.secret("PAIRWISE_KEY").encode()

    @cached_property
    def form_secret(self) -> bytes:
        return self.settings.secret("FORM_KEY").encode()

    def require_secrets(self) -> None:
        """Reads every secret now: outside the embedded default a missing one stops the
        process at start (MissingSecret) rather than failing its first sign-in."""
        self.key_encryption_secret, self.pairwise_secret, self.form_secret  # noqa: B018

    def url(self, path: str) -> str:
        return self.issuer + path
