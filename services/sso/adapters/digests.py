"""Random values handed out (codes, refresh tokens, session cookies, client secrets) and
the digests kept of them: they are long and random, so SHA-256 is enough to make a stolen
table useless, and lookups stay one index probe."""
from __future__ import annotations

import hashlib
import hmac
import secrets


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def digest_matches(value: str, expected: str | None) -> bool:
    return expected is not None and hmac.compare_digest(digest(value), expected)
