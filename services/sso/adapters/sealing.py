"""Secrets at rest: signing keys and county credentials, sealed by the kit's keyring
(servicekit/keyring.py: HKDF, key ids, AES-256-GCM) under keys derived from the
``KEY_ENCRYPTION_KEY`` secret. The associated data names what is sealed
(``signing-key:<kid>``), so a sealed value moved to another row does not open.

A sealed value is stored as text, ``v2.<key id>.<nonce>.<ciphertext>``
(``Sealed.as_text``): the key id says which key sealed it, so the secret can rotate: the
new one in ``KEY_ENCRYPTION_KEY``, the old ones in ``RETIRED_KEY_ENCRYPTION_KEYS``
(comma-separated) until ``reseal-secrets`` has moved every value to the new key. Values
sealed before key ids existed (``v1.<nonce>.<ciphertext>``) are opened by trying each
configured key, the current one first."""
from __future__ import annotations

import binascii

from servicekit.keyring import (
    TEXT_VERSION,
    Keyring,
    Sealed,
    Tampered,
    UnknownKey,
    from_b64_unpadded,
)

_V1 = "v1"
_INFO = b"inservice-sso sealing v1"  # the derivation, unchanged since v1: v1 values still open

# Raised when the value names a key that is not configured, or is a v1 value no configured
# key opens; a ValueError, as every value that does not open here.
UnknownSealingKey = UnknownKey


class Sealer:
    def __init__(self, secret: str, retired_secrets: tuple[str, ...] = ()) -> None:
        self._keyring = Keyring(_INFO, secret, retired_secrets)
        self.current_key_id = self._keyring.current_key_id

    def seal(self, plaintext: bytes, purpose: str) -> str:
        return self._keyring.seal(plaintext, purpose.encode()).as_text()

    def open(self, token: str, purpose: str) -> bytes:
        """Raises ValueError when the value was not sealed here for this purpose, and
        UnknownSealingKey (a ValueError) when its key is not configured."""
        parts = token.split(".")
        if parts[0] == _V1 and len(parts) == 3:
            try:
                ciphertext = from_b64_unpadded(parts[1]) + from_b64_unpadded(parts[2])
            except (binascii.Error, ValueError):
                raise Tampered("a v1 value whose base64 does not decode") from None
            return self._keyring.open_with_any_key(ciphertext, purpose.encode())
        if parts[0] != TEXT_VERSION:
            raise ValueError(f"unknown sealing format {parts[0]!r}")
        return self._keyring.open(Sealed.from_text(token), purpose.encode())

    def is_current(self, token: str) -> bool:
        return token.startswith(self.current_prefix)

    @property
    def current_prefix(self) -> str:
        """What every value sealed under the current key starts with."""
        return f"{TEXT_VERSION}.{self.current_key_id}."

    def reseal(self, token: str, purpose: str) -> str:
        """The same secret under the current key, with a fresh nonce; raises as ``open``."""
        return self.seal(self.open(token, purpose), purpose)


# What each sealed value is sealed for (its associated data): one place, for the code that
# seals and opens them and for the re-sealing after a key rotation.
def signing_key_purpose(kid: str) -> str:
    return f"signing-key:{kid}"


def county_secret_purpose(county_code: str) -> str:
    return f"county:{county_code}"
