"""The web client's settings, read through the kit's ``Settings`` (``WEB_<NAME>`` first).

| name | meaning |
|---|---|
| `PUBLIC_URL` / `TOKEN_ISSUER` | the gateway's public origin: sign-in, and the redirect URI |
| `WEB_GATEWAY_URL` | where this process reaches the gateway's API (default: the public origin) |
| `WEB_SESSION_STORE` | `sqlite:///<file>` (default under `DATA_DIR/web/`) or `redis://…` (production) |
| `WEB_SESSION_KEY` | secret: signs the CSRF tokens |
| `WEB_SESSION_SECONDS` | how long an idle session lives (8 h) |
| `WEB_API_TIMEOUT_SECONDS` | how long a page waits for the API (10 s) |
| `WEB_CLIENT_ID` | the client the sso knows this web client as (`web`) |
| `WEB_NEWS_CACHE_SECONDS` | how long a process keeps the front page's news per audience (30 s) |
"""
from __future__ import annotations

from dataclasses import dataclass

from servicekit.settings import MissingSetting, Settings

SESSION_KEY_SECRET = "SESSION_KEY"
# The front page is every visitor's first view, in a rush too; its news may be this late.
NEWS_CACHE_SECONDS = 30


@dataclass(frozen=True)
class WebSettings:
    base: Settings
    public_url: str
    gateway_url: str
    session_store: str
    session_seconds: int
    api_timeout_seconds: float
    client_id: str
    news_cache_seconds: int = NEWS_CACHE_SECONDS

    @classmethod
    def from_settings(cls, base: Settings) -> WebSettings:
        public_url = base.token_issuer.rstrip("/")
        store = base.value("SESSION_STORE", "") or ""
        if not store:
            if not base.embedded:
                raise MissingSetting("WEB_SESSION_STORE (redis://…) is required in production: "
                                     "every web process must see the same sessions")
            store = f"sqlite:///{base.data_dir / 'web' / 'sessions.sqlite3'}"
        return cls(base=base, public_url=public_url,
                   gateway_url=(base.value("GATEWAY_URL", "") or public_url).rstrip("/"),
                   session_store=store,
                   session_seconds=base.positive_int("SESSION_SECONDS", 8 * 3600),
                   api_timeout_seconds=float(base.positive_int("API_TIMEOUT_SECONDS", 10)),
                   client_id=base.value("CLIENT_ID", "web") or "web",
                   news_cache_seconds=base.positive_int("NEWS_CACHE_SECONDS",
                                                        NEWS_CACHE_SECONDS))

    @property
    def redirect_uri(self) -> str:
        """The one the sso has registered for the client, character for character."""
        return self.public_url + "/auth/callback"

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://") or not self.base.embedded

    def session_key(self) -> str:
        return self.base.secret(SESSION_KEY_SECRET)
