"""Proof Key for Code Exchange (RFC 7636), S256 only: ``plain`` sends the secret itself
through the browser, and a missing challenge leaves a stolen code usable."""
from __future__ import annotations

import hmac
import re

from authlib.oauth2.rfc7636 import create_s256_code_challenge

S256 = "S256"
# code_verifier = 43*128unreserved; an S256 challenge is 32 bytes in base64url: 43 chars.
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
_CHALLENGE = re.compile(r"^[A-Za-z0-9\-_]{43}$")


class PkceError(ValueError):
    pass


def check_challenge(challenge: str | None, method: str | None) -> str:
    """The challenge of an authorization request, or PkceError saying why it is refused."""
    if not challenge:
        raise PkceError("code_challenge is required")
    if method != S256:
        raise PkceError("code_challenge_method must be S256")
    if not _CHALLENGE.match(challenge):
        raise PkceError("code_challenge is not an S256 challenge")
    return challenge


def verifier_matches(verifier: str | None, challenge: str) -> bool:
    if not verifier or not _VERIFIER.match(verifier):
        return False
    return hmac.compare_digest(create_s256_code_challenge(verifier), challenge)
