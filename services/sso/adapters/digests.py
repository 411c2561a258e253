"""Random values handed out (codes, refresh tokens, session cookies, client secrets) and
the digests kept of them: they are long and random, so SHA-256 is enough to make a stolen
table useless, and lookups stay one index probe.

Values a person types or a county sends (login names, county user names — sometimes a
national ID) are short and guessable: a plain hash of them is reversed by trying every
national ID. Those are kept only as a *keyed* digest (HMAC-SHA-256 under a secret)."""
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


def keyed_digest(key: bytes, purpose: str, value: str) -> str:
    """HMAC-SHA-256 of ``value`` under ``key``; ``purpose`` keeps the digests made for one
    use from matching those made for another with the same key."""
    return hmac.new(key, f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()
