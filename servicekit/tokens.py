"""Access tokens: the one strict verifier every service and the gateway use.

python-jose trusts the token's own ``alg`` header unless told otherwise, and then happily
checks an HS256 token against an RSA public key used as an HMAC secret. So the verifier
decides everything itself: one configured asymmetric algorithm, the key picked by ``kid``
from the sso service's JWKS, and a key object built for that algorithm only. The rules:
``algorithms=[the one asymmetric algorithm]`` (the header's ``alg`` is checked before
python-jose sees the token), the audience and the issuer always passed, ``exp``, ``iat``,
``iss``, ``aud`` and ``sub`` required, the key chosen by ``kid`` ourselves.

Audiences (R-GW-1): the platform API's (``TOKEN_AUDIENCE``) is given only to the
platform's own clients; a partner site's access token names the sso userinfo endpoint as
its audience (``userinfo_audience``) and opens nothing else. As defence in depth the
platform's verifier also takes only tokens whose ``client_id`` is one of the platform's
own clients (``PLATFORM_CLIENTS``).
"""
from __future__ import annotations

import functools
import logging
import re
import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

import requests
from jose import ExpiredSignatureError, jwk, jwt
from jose.constants import ALGORITHMS

from servicekit.problems import Problem

log = logging.getLogger("servicekit.tokens")

MAX_TOKEN_LENGTH = 8192  # far above any token sso issues; parsing stops early for junk
_KEY_TYPES = {**dict.fromkeys(ALGORITHMS.RSA_DS, "RSA"),
              **dict.fromkeys(ALGORITHMS.EC_DS, "EC")}
_PUBLIC_MEMBERS = ("kty", "crv", "n", "e", "x", "y")
_TOKEN68 = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
USERINFO_PATH = "/oauth/userinfo"


def userinfo_audience(issuer: str) -> str:
    """The audience of a partner site's access token: the sso userinfo endpoint, at the
    issuer's origin (a resource indicator, RFC 8707 2), never the platform API's."""
    return issuer.rstrip("/") + USERINFO_PATH


def invalid_token(detail: str) -> Problem:
    return Problem(401, "invalid-token", "Invalid token", detail,
                   headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


class KeysUnavailable(Exception):
    """No signing keys could be loaded at all: the tokens cannot be judged either way."""


def keys_unavailable() -> Problem:
    # Not a 401: the token may well be fine, and a client must not throw it away.
    return Problem(503, "service-unavailable", "Service unavailable",
                   "The token signing keys cannot be fetched right now.",
                   headers={"Retry-After": "5"})


def bearer_token(authorization: str | None) -> str | None:
    """The credential of an ``Authorization: Bearer <token>`` header.

    None when there is no header or it uses another scheme (Basic for OAuth clients);
    a Bearer header that is malformed is rejected rather than treated as anonymous."""
    if not authorization:
        return None
    scheme, _, credential = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return None
    if not _TOKEN68.fullmatch(credential):
        raise invalid_token("The Authorization header is malformed.")
    return credential


@dataclass(frozen=True)
class Principal:
    subject: str
    roles: frozenset[str] = frozenset()  # teacher, business, reviewer, operator, viewer, admin
    unit: str | None = None  # business accounts act for one unit
    authority: str | None = None  # reviewers act for one authority
    client_id: str | None = None
    scope: frozenset[str] = frozenset()
    claims: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def has_any_role(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> Principal:
        """Raises ValueError when a claim has the wrong shape."""
        subject, roles, scope = claims.get("sub"), claims.get("roles", []), claims.get("scope", "")
        if not isinstance(subject, str) or not subject:
            raise ValueError("sub")
        if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
            raise ValueError("roles")
        if not isinstance(scope, str):
            raise ValueError("scope")
        return cls(subject=subject, roles=frozenset(roles),
                   unit=_optional_text(claims, "unit"),
                   authority=_optional_text(claims, "authority"),
                   client_id=_optional_text(claims, "client_id") or _optional_text(claims, "azp"),
                   scope=frozenset(scope.split()),
                   claims=MappingProxyType(dict(claims)))


def _optional_text(claims: Mapping[str, Any], name: str) -> str | None:
    value = claims.get(name)
    if value is not None and not isinstance(value, str):
        raise ValueError(name)
    return value or None


class KeySource(Protocol):
    def get(self, kid: str) -> dict | None:
        """The JWK with this ``kid``, or None when there is none."""


def index_jwks(document: object) -> dict[str, dict]:
    keys = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(keys, list):
        raise ValueError("not a JWKS document")
    return {key["kid"]: key for key in keys
            if isinstance(key, dict) and isinstance(key.get("kid"), str)}


class StaticKeySource:
    def __init__(self, jwks: dict) -> None:
        self._keys = index_jwks(jwks)

    def get(self, kid: str) -> dict | None:
        return self._keys.get(kid)


class JwksKeySource:
    """The sso service's JWKS, cached for ``ttl`` seconds.

    An unknown ``kid`` triggers one refresh, but at most one fetch happens per
    ``min_refresh_interval``: a flood of made-up kids cannot hammer the sso service.
    Hence sso must publish a new key in its JWKS a while before signing with it.
    A failed refresh keeps the keys already known."""

    def __init__(self, url: str, ttl: float = 300.0, timeout: float = 2.0,
                 min_refresh_interval: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.url = url
        self._ttl = ttl
        self._timeout = timeout
        self._min_refresh_interval = min_refresh_interval
        self._clock = clock
        self._keys: dict[str, dict] = {}
        self._loaded_at: float | None = None
        self._attempted_at: float | None = None
        self._lock = threading.Lock()

    def get(self, kid: str) -> dict | None:
        """Raises KeysUnavailable while no JWKS has ever been fetched."""
        keys = self._keys
        if kid in keys and not self._expired():
            return keys[kid]
        with self._lock:
            if kid not in self._keys or self._expired():
                self._refresh_if_allowed()
            if self._loaded_at is None:
                raise KeysUnavailable(self.url)
            return self._keys.get(kid)

    def _expired(self) -> bool:
        return self._loaded_at is None or self._clock() - self._loaded_at >= self._ttl

    def _refresh_if_allowed(self) -> None:
        now = self._clock()
        interval = self._min_refresh_interval
        if not self._keys:  # nothing can be verified yet: retry sooner than usual
            interval = min(interval, 5.0)
        if self._attempted_at is not None and now - self._attempted_at < interval:
            return
        self._attempted_at = now
        try:
            response = requests.get(self.url, timeout=self._timeout,
                                    headers={"Accept": "application/json"})
            response.raise_for_status()
            self._keys = index_jwks(response.json())
            self._loaded_at = now
        except (requests.RequestException, ValueError) as error:
            log.warning("cannot fetch the JWKS", extra={"url": self.url, "error": repr(error)})


class TokenVerifier:
    """``clients``: when given, only tokens issued to one of these clients (their
    ``client_id``, else ``azp``) are accepted — the platform API's verifier passes the
    platform's own clients, so a token of any other client is refused even if it were
    ever issued for the API's audience."""

    def __init__(self, issuer: str, audience: str, key_source: KeySource,
                 algorithm: str = "RS256", leeway: int = 30,
                 clients: Collection[str] | None = None) -> None:
        if algorithm not in _KEY_TYPES:
            raise ValueError(f"{algorithm} is not an asymmetric signature algorithm")
        self.issuer = issuer
        self.audience = audience
        self.algorithm = algorithm
        self.leeway = leeway
        self.clients = frozenset(clients) if clients is not None else None
        self._key_source = key_source

    def verify(self, token: str) -> Principal:
        """The principal of a valid token; anything else raises a 401 Problem."""
        claims = self._verified_claims(token)
        try:
            principal = Principal.from_claims(claims)
        except ValueError:
            raise invalid_token("The token's claims are not valid.") from None
        if self.clients is not None and principal.client_id not in self.clients:
            raise invalid_token("The token was not issued to a client of the platform.")
        return principal

    def _verified_claims(self, token: str) -> dict[str, Any]:
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
            raise invalid_token("The token is malformed.")
        try:
            header = jwt.get_unverified_header(token)
        except Exception:
            raise invalid_token("The token is malformed.") from None
        if header.get("alg") != self.algorithm:
            raise invalid_token("The token's algorithm is not accepted.")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise invalid_token("The token names no signing key.")
        try:
            jwk_dict = self._key_source.get(kid)
        except KeysUnavailable:
            raise keys_unavailable() from None
        if jwk_dict is None:
            raise invalid_token("The token's signing key is not known.")
        try:
            claims = jwt.decode(token, self._key_object(jwk_dict), algorithms=[self.algorithm],
                                audience=self.audience, issuer=self.issuer, options={
                                    "require_exp": True, "require_iat": True, "require_iss": True,
                                    "require_aud": True, "require_sub": True,
                                    # at_hash binds an id token to its access token, for the
                                    # client holding both; a verifier here (an id_token_hint)
                                    # has none, and python-jose would refuse the claim.
                                    "verify_at_hash": False, "leeway": self.leeway})
        except ExpiredSignatureError:
            raise invalid_token("The token has expired.") from None
        except Exception:  # python-jose lets odd claim types through as TypeError too
            raise invalid_token("The token could not be verified.") from None
        if not isinstance(claims["iat"], (int, float)) or claims["iat"] > time.time() + self.leeway:
            raise invalid_token("The token is not valid yet.")
        return claims

    def _key_object(self, jwk_dict: dict) -> Any:
        if jwk_dict.get("kty") != _KEY_TYPES[self.algorithm] \
                or jwk_dict.get("alg", self.algorithm) != self.algorithm \
                or jwk_dict.get("use", "sig") != "sig":
            raise ValueError("the key does not fit the algorithm")
        # Only the public members: a private JWK published by mistake stays unused.
        return _public_key(self.algorithm, tuple(
            (name, jwk_dict[name]) for name in _PUBLIC_MEMBERS if name in jwk_dict))


@functools.lru_cache(maxsize=32)
def _public_key(algorithm: str, members: tuple[tuple[str, Any], ...]) -> Any:
    """The key object of a JWK's public members, built once per key: building it (the
    key parsed into the cryptography library's) was a third of each token's verification
    (about 30 of 90 µs). Keyed by the members themselves, so a key rotated under the same
    ``kid`` is a new entry; they come from the signing keys served, never from a token,
    and the oldest fall out."""
    return jwk.construct(dict(members), algorithm)


class OneOfVerifiers:
    """Accepts what any of its verifiers accepts, asked in order; each stays strict (one
    audience each). For the one endpoint two kinds of token may call: userinfo, for a
    partner's token (the userinfo audience) and the platform's own (the API's)."""

    def __init__(self, *verifiers: TokenVerifier) -> None:
        if not verifiers:
            raise ValueError("at least one verifier")
        self.verifiers = verifiers

    def verify(self, token: str) -> Principal:
        refusal: Problem | None = None
        for verifier in self.verifiers:
            try:
                return verifier.verify(token)
            except Problem as problem:
                if problem.status != 401:  # the keys cannot be fetched: no use going on
                    raise
                refusal = refusal or problem
        assert refusal is not None
        raise refusal


def userinfo_verifier(platform: TokenVerifier, keys: KeySource) -> OneOfVerifiers:
    """For the tokens userinfo (and sso's introspection and revocation) take: a partner
    site's, made for userinfo alone, or one the ``platform`` verifier accepts."""
    return OneOfVerifiers(
        TokenVerifier(platform.issuer, userinfo_audience(platform.issuer), keys), platform)
