"""Secrets at rest: signing keys and county credentials are sealed with AES-256-GCM under a
key derived from the ``KEY_ENCRYPTION_KEY`` secret. The associated data names what is
sealed (``signing-key:<kid>``), so a sealed value moved to another row does not open.

A sealed value is ``v2.<key id>.<nonce>.<ciphertext>``: the key id (derived from the key,
as accounts derives its national-ID key ids) says which key sealed it, so the secret can
rotate: the new one in ``KEY_ENCRYPTION_KEY``, the old ones in
``RETIRED_KEY_ENCRYPTION_KEYS`` (comma-separated) until ``reseal-secrets`` has moved every
value to the new key. Values sealed before key ids existed (``v1.<nonce>.<ciphertext>``)
are opened by trying each configured key, the current one first."""
from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_V1, _V2 = "v1", "v2"
_INFO = b"inservice-sso sealing v1"  # the derivation, unchanged since v1: v1 values still open


class UnknownSealingKey(ValueError):
    """The value was sealed under a key that is not configured (retired too early)."""


def _derive(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret.encode())


def key_id(key: bytes) -> str:
    return hmac.new(key, b"key id", hashlib.sha256).hexdigest()[:12]


class Sealer:
    def __init__(self, secret: str, retired_secrets: tuple[str, ...] = ()) -> None:
        current = _derive(secret)
        self.current_key_id = key_id(current)
        self._aeads = {self.current_key_id: AESGCM(current)}  # the current key is tried first
        for key in map(_derive, retired_secrets):
            self._aeads.setdefault(key_id(key), AESGCM(key))

    def seal(self, plaintext: bytes, purpose: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aeads[self.current_key_id].encrypt(nonce, plaintext, purpose.encode())
        return f"{_V2}.{self.current_key_id}.{_b64(nonce)}.{_b64(sealed)}"

    def open(self, token: str, purpose: str) -> bytes:
        """Raises ValueError when the value was not sealed here for this purpose, and
        UnknownSealingKey (a ValueError) when its key is not configured."""
        parts = token.split(".")
        if parts[0] == _V2 and len(parts) == 4:
            aead = self._aeads.get(parts[1])
            if aead is None:
                raise UnknownSealingKey(f"sealed under key id {parts[1]}, which is not configured")
            return _decrypt(aead, parts[2], parts[3], purpose)
        if parts[0] == _V1 and len(parts) == 3:
            for aead in self._aeads.values():
                try:
                    return _decrypt(aead, parts[1], parts[2], purpose)
                except ValueError:
                    continue
            raise UnknownSealingKey("a v1 value that opens with none of the configured keys")
        raise ValueError(f"unknown sealing format {parts[0]!r}")

    def is_current(self, token: str) -> bool:
        return token.startswith(self.current_prefix)

    @property
    def current_prefix(self) -> str:
        """What every value sealed under the current key starts with."""
        return f"{_V2}.{self.current_key_id}."

    def reseal(self, token: str, purpose: str) -> str:
        """The same secret under the current key, with a fresh nonce; raises as ``open``."""
        return self.seal(self.open(token, purpose), purpose)


def _decrypt(aead: AESGCM, nonce: str, sealed: str, purpose: str) -> bytes:
    try:
        return aead.decrypt(_unb64(nonce), _unb64(sealed), purpose.encode())
    except (InvalidTag, ValueError):
        raise ValueError("the sealed value does not open with this key") from None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# What each sealed value is sealed for (its associated data): one place, for the code that
# seals and opens them and for the re-sealing after a key rotation.
def signing_key_purpose(kid: str) -> str:
    return f"signing-key:{kid}"


def county_secret_purpose(county_code: str) -> str:
    return f"county:{county_code}"

