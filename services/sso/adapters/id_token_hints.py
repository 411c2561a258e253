"""Verifying an id token that a client hands back (``id_token_hint`` at logout).

The kit's ``TokenVerifier`` is the one strict verifier and this uses it — header, ``alg``,
``kid``, key construction and claim checks are all its own. One thing stands in the way:
python-jose checks ``at_hash`` whenever the claim is present and fails when it is given
no access token, and a logout hint comes without one (at_hash is for the client, which
holds both). Until ``servicekit.tokens`` passes ``"verify_at_hash": False`` in its decode
options (proposed; access tokens never carry the claim, so nothing else changes), this
subclass does exactly that and nothing more.
"""
from __future__ import annotations

import time
from typing import Any

from jose import ExpiredSignatureError, jwt

from servicekit.tokens import (MAX_TOKEN_LENGTH, KeysUnavailable, TokenVerifier,
                               invalid_token, keys_unavailable)


class IdTokenHintVerifier(TokenVerifier):
    def _verified_claims(self, token: str) -> dict[str, Any]:
        # The kit's _verified_claims with one option added; keep the two alike.
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
                                    "verify_at_hash": False, "leeway": self.leeway})
        except ExpiredSignatureError:
            raise invalid_token("The token has expired.") from None
        except Exception:
            raise invalid_token("The token could not be verified.") from None
        if not isinstance(claims["iat"], (int, float)) or claims["iat"] > time.time() + self.leeway:
            raise invalid_token("The token is not valid yet.")
        return claims
