"""Keyed digests that stand for what a person typed or a county sent (login names, county
user names, county subjects): kept and compared only as HMAC-SHA-256 under the pairwise
key, never as given (handlers/sign_in_records.py says why that key)."""
from __future__ import annotations

from services.sso.adapters.digests import keyed_digest
from services.sso.domain.logins import folded


class NameDigests:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def typed_name(self, typed: str, county_code: str | None = None) -> str:
        """A platform login name, or a user name of ``county_code``'s own system; spellings
        that normalise alike digest alike."""
        purpose = f"county-user-name\x00{county_code}" if county_code else "login-name"
        return keyed_digest(self._secret, purpose, folded(typed))

    def county_subject(self, county_code: str, subject: str) -> str:
        return keyed_digest(self._secret, f"county-subject\x00{county_code}", subject)
