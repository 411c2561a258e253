"""The sso service as this client's OpenID Connect provider: code flow with PKCE (S256),
as the public client ``web`` (no secret: PKCE binds the code to this session).

Browsers go to the endpoints the discovery document names (the public origin); this
process calls the token endpoint through the gateway at ``WEB_GATEWAY_URL``. The ID token
comes straight from the token endpoint on that connection, so its claims are checked
(issuer, audience, nonce) without checking its signature again (OpenID Connect Core
3.1.3.7, point 6); the access token is verified by the gateway and the services on every
call, and read here only to know the person's roles and scope for the menus.
"""
from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from jose import jwt

from web.api import ApiUnavailable, PlatformApi
from web.settings import WebSettings

SCOPES = "openid profile email"
REFRESH_MARGIN_SECONDS = 30  # refresh a little before the token expires, not after


class SignInFailed(Exception):
    """The provider refused the code or the refresh token: the person signs in again."""


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str | None
    id_token: str | None
    expires_at: float

    def as_dict(self) -> dict[str, Any]:
        return {"access_token": self.access_token, "refresh_token": self.refresh_token,
                "id_token": self.id_token, "expires_at": self.expires_at}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Tokens:
        return cls(data["access_token"], data.get("refresh_token"), data.get("id_token"),
                   float(data["expires_at"]))

    def expiring(self, now: float) -> bool:
        return now >= self.expires_at - REFRESH_MARGIN_SECONDS

    def person(self) -> dict[str, Any]:
        """Who signed in, from the access token: account id, roles, unit, authority."""
        claims = jwt.get_unverified_claims(self.access_token)
        return {"account_id": claims.get("sub"), "roles": list(claims.get("roles") or []),
                "unit": claims.get("unit"), "authority": claims.get("authority")}


@dataclass(frozen=True)
class PendingSignIn:
    state: str
    nonce: str
    verifier: str

    @classmethod
    def new(cls) -> PendingSignIn:
        return cls(secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48))

    @property
    def challenge(self) -> str:
        digest = hashlib.sha256(self.verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OidcProvider:
    def __init__(self, api: PlatformApi, settings: WebSettings) -> None:
        self._api = api
        self._settings = settings
        self._discovery: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def _document(self) -> dict[str, Any]:
        with self._lock:
            if self._discovery is None:
                answer = self._api.get("/.well-known/openid-configuration")
                if not answer.ok or not isinstance(answer.body, dict):
                    # The sso not answering is an outage (the page says so), not a refusal.
                    raise ApiUnavailable(f"discovery answered {answer.status}")
                self._discovery = answer.body
            return self._discovery

    def authorize_url(self, pending: PendingSignIn, language: str) -> str:
        query = urlencode({
            "response_type": "code", "client_id": self._settings.client_id,
            "redirect_uri": self._settings.redirect_uri, "scope": SCOPES,
            "state": pending.state, "nonce": pending.nonce,
            "code_challenge": pending.challenge, "code_challenge_method": "S256",
            "ui_locales": "en" if language == "en" else "zh-TW"})
        return f"{self._document()['authorization_endpoint']}?{query}"

    def exchange(self, code: str, pending: PendingSignIn) -> Tokens:
        tokens = self._token_request({"grant_type": "authorization_code", "code": code,
                                      "redirect_uri": self._settings.redirect_uri,
                                      "code_verifier": pending.verifier})
        self._check_id_token(tokens.id_token, pending.nonce)
        return tokens

    def refresh(self, tokens: Tokens) -> Tokens:
        if not tokens.refresh_token:
            raise SignInFailed("no refresh token")
        renewed = self._token_request({"grant_type": "refresh_token",
                                       "refresh_token": tokens.refresh_token})
        # A refresh may leave out the ID token; the one from the sign-in stays the hint.
        return Tokens(renewed.access_token, renewed.refresh_token or tokens.refresh_token,
                      renewed.id_token or tokens.id_token, renewed.expires_at)

    def end_session_url(self, id_token: str | None) -> str:
        query = {"client_id": self._settings.client_id,
                 "post_logout_redirect_uri": self._settings.public_url + "/"}
        if id_token:
            query["id_token_hint"] = id_token
        return f"{self._document()['end_session_endpoint']}?{urlencode(query)}"

    def _token_request(self, form: dict[str, str]) -> Tokens:
        endpoint = urlsplit(self._document()["token_endpoint"]).path
        answer = self._api.post(endpoint, data={**form, "client_id": self._settings.client_id})
        body = answer.body if isinstance(answer.body, dict) else {}
        if not answer.ok or "access_token" not in body:
            raise SignInFailed(f"token endpoint answered {answer.status} {body.get('error')}")
        return Tokens(body["access_token"], body.get("refresh_token"), body.get("id_token"),
                      time.time() + float(body.get("expires_in", 300)))

    def _check_id_token(self, id_token: str | None, nonce: str) -> None:
        if not id_token:
            raise SignInFailed("no ID token")
        claims = jwt.get_unverified_claims(id_token)
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if (claims.get("iss") != self._document().get("issuer")
                or self._settings.client_id not in audiences or claims.get("nonce") != nonce):
            raise SignInFailed("the ID token is not for this sign-in")
