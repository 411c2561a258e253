"""Tokens signed like the sso service signs them, and the bad ones an attacker would try."""
from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Iterable
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwt
from jose.utils import long_to_base64

DEFAULT_ISSUER = "http://127.0.0.1:8080"  # what Settings uses when nothing is configured
DEFAULT_AUDIENCE = "inservice-api"


class TokenSigner:
    """An RSA signing key with its public JWKS.

    ``sign(**claims)`` overrides or adds claims; a claim given as None is left out,
    so ``sign(exp=None)`` makes a token without an expiry."""

    def __init__(self, issuer: str = DEFAULT_ISSUER, audience: str = DEFAULT_AUDIENCE,
                 kid: str | None = None, key_size: int = 2048) -> None:
        self.issuer = issuer
        self.audience = audience
        self._key_size = key_size
        self._keys: dict[str, rsa.RSAPrivateKey] = {}
        self.kid = self._new_key(kid)

    def _new_key(self, kid: str | None = None) -> str:
        kid = kid or secrets.token_hex(8)
        self._keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=self._key_size)
        return kid

    @property
    def jwks(self) -> dict:
        return {"keys": [_public_jwk(kid, key) for kid, key in self._keys.items()]}

    def rotate(self) -> str:
        """A new current key; the old ones stay in the JWKS until retired."""
        self.kid = self._new_key()
        return self.kid

    def retire(self, kid: str) -> None:
        del self._keys[kid]

    def impostor(self) -> TokenSigner:
        """Same issuer, audience and kid, another key: its tokens must not verify."""
        return TokenSigner(self.issuer, self.audience, kid=self.kid, key_size=self._key_size)

    def claims(self, subject: str | None = "teacher-1", roles: Iterable[str] | None = ("teacher",),
               expires_in: int = 300, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        # A plain string stays as it is: that is how a malformed roles claim is made.
        roles = roles if roles is None or isinstance(roles, str) else list(roles)
        # ``client_id``: the platform's own web client, as sso issues the API's tokens.
        claims = {"iss": self.issuer, "aud": self.audience, "sub": subject, "roles": roles,
                  "iat": now, "exp": now + expires_in, "client_id": "web", **overrides}
        return {name: value for name, value in claims.items() if value is not None}

    def sign(self, subject: str | None = "teacher-1", roles: Iterable[str] | None = ("teacher",),
             expires_in: int = 300, kid: str | None = None, algorithm: str = "RS256",
             **claims: Any) -> str:
        """``kid``: the header's kid (the current key's by default; ``""`` for none). An
        unknown kid is signed with the current key, so only the kid is wrong."""
        kid = self.kid if kid is None else kid
        key = self._keys.get(kid, self._keys[self.kid])
        headers = {"kid": kid} if kid else None
        return jwt.encode(self.claims(subject, roles, expires_in, **claims),
                          key,  # type: ignore[arg-type]  # a cryptography key: jose takes it
                          algorithm=algorithm, headers=headers)

    def hs256_with_public_key(self, **claims: Any) -> str:
        """The key-confusion attack: HMAC over the token with the DER public key as secret."""
        public_der = self._keys[self.kid].public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return jwt.encode(self.claims(**claims), public_der, algorithm="HS256",
                          headers={"kid": self.kid})

    def unsigned(self, **claims: Any) -> str:
        """``alg: none`` with an empty signature."""
        header = {"alg": "none", "typ": "JWT", "kid": self.kid}
        return f"{_b64(header)}.{_b64(self.claims(**claims))}."


def _public_jwk(kid: str, key: rsa.RSAPrivateKey) -> dict[str, str]:
    numbers = key.public_key().public_numbers()
    return {"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
            "n": long_to_base64(numbers.n).decode(), "e": long_to_base64(numbers.e).decode()}


def _b64(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()
