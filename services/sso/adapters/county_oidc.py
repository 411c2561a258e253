"""A county's own sign-on as an upstream OpenID Connect provider (R-SSO-4 (b)).

The sso service is a relying party here: code flow with PKCE (S256), ``state`` and
``nonce``; the county's id token is checked with the kit's strict verifier against the
county's JWKS (its issuer, our client id as audience, RS256, ``kid``), then the nonce.
"""
from __future__ import annotations

import threading
import time
from typing import Any

import requests
from authlib.integrations.requests_client import OAuth2Session

from servicekit.problems import Problem
from servicekit.tokens import JwksKeySource, TokenVerifier
from services.sso.adapters.county_service import CountyIdentity, CountyUnavailable

DEFAULT_CLAIMS = {"display_name": "name", "email": "email", "unit_code": "school_code"}
_METADATA_SECONDS = 3600.0


class UpstreamProvider:
    def __init__(self, county_code: str, issuer: str, client_id: str, client_secret: str | None,
                 redirect_uri: str, timeout: float, scope: str = "openid profile email",
                 claims: dict[str, str] | None = None) -> None:
        self.county_code = county_code
        self.issuer = issuer.rstrip("/")
        self.client_id, self._client_secret = client_id, client_secret
        self.redirect_uri, self._timeout, self._scope = redirect_uri, timeout, scope
        self._claims = claims or DEFAULT_CLAIMS
        self._metadata: tuple[float, dict[str, Any]] | None = None
        self._verifier: TokenVerifier | None = None
        self._lock = threading.Lock()

    def metadata(self) -> dict[str, Any]:
        with self._lock:
            if self._metadata is None or time.monotonic() - self._metadata[0] > _METADATA_SECONDS:
                try:
                    response = requests.get(self.issuer + "/.well-known/openid-configuration",
                                            timeout=self._timeout)
                    response.raise_for_status()
                    document = response.json()
                except (requests.RequestException, ValueError) as error:
                    raise CountyUnavailable(f"{self.county_code}: discovery failed: "
                                            f"{type(error).__name__}") from None
                if document.get("issuer", "").rstrip("/") != self.issuer:
                    raise CountyUnavailable(f"{self.county_code}: discovery names another issuer")
                self._metadata = (time.monotonic(), document)
                self._verifier = TokenVerifier(document["issuer"], self.client_id,
                                               JwksKeySource(document["jwks_uri"],
                                                             timeout=self._timeout))
            return self._metadata[1]

    def _session(self) -> OAuth2Session:
        return OAuth2Session(self.client_id, self._client_secret, scope=self._scope,
                             redirect_uri=self.redirect_uri, code_challenge_method="S256",
                             timeout=self._timeout)

    def authorization_url(self, state: str, nonce: str, code_verifier: str) -> str:
        url, _ = self._session().create_authorization_url(
            self.metadata()["authorization_endpoint"], state=state, nonce=nonce,
            code_verifier=code_verifier)
        return url

    def identity(self, code: str, code_verifier: str, nonce: str) -> CountyIdentity:
        metadata = self.metadata()
        try:
            token = self._session().fetch_token(metadata["token_endpoint"], code=code,
                                                code_verifier=code_verifier)
        except Exception as error:  # Authlib raises its own OAuthError and requests' errors
            raise CountyUnavailable(f"{self.county_code}: token exchange failed: "
                                    f"{type(error).__name__}") from None
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise CountyUnavailable(f"{self.county_code}: no id token")
        assert self._verifier is not None
        try:
            claims = self._verifier.verify(id_token).claims
        except Problem as problem:
            raise CountyUnavailable(
                f"{self.county_code}: id token refused: {problem.detail}") from None
        if claims.get("nonce") != nonce:
            raise CountyUnavailable(f"{self.county_code}: id token nonce does not match")
        profile = {ours: claims[theirs] for ours, theirs in self._claims.items()
                   if isinstance(claims.get(theirs), str)}
        return CountyIdentity(self.county_code, claims["sub"], profile)
