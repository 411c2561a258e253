"""The platform's own web client ``web`` (R-WEB-1): public, PKCE, first-party, redirected
to ``<issuer>/auth/callback`` and back to ``<issuer>/`` after logout — the issuer being the
gateway's public origin, where the web client is served. Registered by the embedded
default's seed and by ``python -m services.sso register-web-client`` (the first-operator
path, Compose and Kubernetes), once: a registered client is left as it is."""
from __future__ import annotations

from servicekit.errors import Conflict
from services.sso.domain.clients import ENABLED, FIRST_PARTY, Client
from services.sso.handlers.partners import Partners

WEB_CLIENT_ID = "web"
NAME = "全國教師在職進修資訊網"
SCOPES = ("openid", "profile", "email", "school", "offline_access")


def web_client(issuer: str) -> Client:
    origin = issuer.rstrip("/")
    return Client(client_id=WEB_CLIENT_ID, name=NAME, kind=FIRST_PARTY, status=ENABLED,
                  redirect_uris=(f"{origin}/auth/callback",),
                  post_logout_redirect_uris=(f"{origin}/",), auth_method="none",
                  allowed_scopes=SCOPES)


def ensure_web_client(partners: Partners, issuer: str, by: str) -> dict[str, object]:
    wanted = web_client(issuer)
    try:
        partners.register(wanted, by=by)
        registered = True
    except Conflict:
        registered = False
    current = partners.find(WEB_CLIENT_ID)
    return {"client_id": WEB_CLIENT_ID, "registered": registered,
            "redirect_uris": list(current.redirect_uris),
            "as_wanted": current.redirect_uris == wanted.redirect_uris}
