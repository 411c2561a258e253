"""Keeping national IDs (R-ACC-1): a keyed hash to find and deduplicate teachers, an
AES-GCM ciphertext for the audited export, and nothing else.

Keys come from settings: ``NATIONAL_ID_HASH_KEY`` and ``NATIONAL_ID_ENCRYPTION_KEY``
(generated locally in the embedded default, required in production). Each is stretched
to 32 bytes with HKDF (servicekit/keyring.py), so any long random secret will do. The
ciphertext is sealed by the kit's keyring, whose key id is stored with every ciphertext:
to rotate, set a new ``NATIONAL_ID_ENCRYPTION_KEY`` and list the old secrets in
``NATIONAL_ID_RETIRED_ENCRYPTION_KEYS`` (comma-separated) until the rows are re-encrypted
(``python -m services.accounts reencrypt-national-ids``, handlers/key_rotation.py).
The hash key rotates too: the key in force before the current one, set as
``NATIONAL_ID_PREVIOUS_HASH_KEY``, keeps lookups matching the hashes stored under it
(``lookup_hashes``) until ``rehash-national-ids`` (handlers/hash_rotation.py) has moved
every row to the current key (``lookup_hash``, the only one ever written).

The ciphertext is bound to its account (the account id is the associated data), so a
ciphertext copied onto another row does not decrypt.

A process keeps one vault, built from its settings by ``national_id_vault`` (the
service's components hold it)."""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from typing import Any

from servicekit.keyring import NONCE_BYTES, CannotOpen, Keyring, Sealed, derive_key
from servicekit.settings import InvalidSetting, Settings

__all__ = ["NONCE_BYTES", "NationalIdVault", "Sealed", "UnknownKey", "national_id_vault"]

_SHA256_BLOCK = 64
_INNER_PAD, _OUTER_PAD = bytes(x ^ 0x36 for x in range(256)), bytes(x ^ 0x5C for x in range(256))
_HASH_INFO = b"inservice accounts national-id lookup hash v1"
_ENCRYPTION_INFO = b"inservice accounts national-id encryption v1"


class UnknownKey(CannotOpen, LookupError):
    """A ciphertext that does not open: it names a key that is not configured (retired too
    early), or it is not this account's."""


def _hmac_pads(key: bytes) -> tuple[Any, Any]:
    """HMAC-SHA256's inner and outer hash states after the padded key (RFC 2104), to be
    copied for each message."""
    if len(key) > _SHA256_BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_SHA256_BLOCK, b"\0")
    return (hashlib.sha256(key.translate(_INNER_PAD)), hashlib.sha256(key.translate(_OUTER_PAD)))


class NationalIdVault:
    def __init__(self, hash_secret: str, encryption_secret: str,
                 retired_secrets: tuple[str, ...] = (),
                 previous_hash_secret: str | None = None) -> None:
        self._hash_key = derive_key(hash_secret, _HASH_INFO)
        self._hash_pads = _hmac_pads(self._hash_key)
        # Derived exactly as the current key was when it was current, or nothing would match.
        previous = derive_key(previous_hash_secret, _HASH_INFO) if previous_hash_secret else None
        # The same secret set twice is no rotation: one hash per number, not two equal ones.
        self._previous_hash_key = previous if previous != self._hash_key else None
        self._keyring = Keyring(_ENCRYPTION_INFO, encryption_secret, retired_secrets)
        self.current_key_id = self._keyring.current_key_id

    @property
    def has_previous_hash_key(self) -> bool:
        """A hash key rotation is under way: stored hashes may be under either key."""
        return self._previous_hash_key is not None

    def lookup_hash(self, number: str) -> bytes:
        """``number`` normalised (domain.national_id.validate): one person, one hash, under
        the current key: what is written."""
        return hmac.digest(self._hash_key, number.encode(), "sha256")

    def lookup_hash_many(self, numbers: Iterable[str]) -> list[bytes]:
        """``lookup_hash`` of each number, for an import's 100,000 rows: the same HMAC
        (RFC 2104), with the key's two padded blocks hashed once instead of per number."""
        inner, outer = self._hash_pads
        hashes = []
        for number in numbers:
            state = inner.copy()
            state.update(number.encode())
            final = outer.copy()
            final.update(state.digest())
            hashes.append(final.digest())
        return hashes

    def lookup_hashes(self, number: str) -> tuple[bytes, ...]:
        """Every hash a stored row of ``number`` may carry, the current one first: what a
        lookup matches while rows are moved to the current key."""
        if self._previous_hash_key is None:
            return (self.lookup_hash(number),)
        return (self.lookup_hash(number),
                hmac.digest(self._previous_hash_key, number.encode(), "sha256"))

    def seal(self, account_id: str, number: str, nonce: bytes | None = None) -> Sealed:
        """``nonce``: 12 fresh random bytes; bulk imports pass slices of one big read."""
        return self._keyring.seal(number.encode(), account_id.encode(), nonce)

    def open(self, account_id: str, sealed: Sealed) -> str:
        try:
            return self._keyring.open(sealed, account_id.encode()).decode()
        except CannotOpen as error:
            raise UnknownKey(str(error)) from None

    def reseal(self, account_id: str, sealed: Sealed) -> Sealed:
        """The same number under the current key with a fresh nonce, for finishing a key
        rotation; raises UnknownKey when ``sealed`` does not open here."""
        return self.seal(account_id, self.open(account_id, sealed))


def national_id_vault(settings: Settings) -> NationalIdVault:
    """The vault ``settings`` configure; a process builds it once (the accounts
    components), on first use, so processes that never touch a national ID (the relay)
    start without the keys. In production a missing key raises MissingSecret."""
    previous_hash = settings.earlier_secrets("NATIONAL_ID_PREVIOUS_HASH_KEY")
    if len(previous_hash) > 1:
        raise InvalidSetting("NATIONAL_ID_PREVIOUS_HASH_KEY holds one secret: finish one "
                             "hash key rotation before the next")
    return NationalIdVault(settings.secret("NATIONAL_ID_HASH_KEY"),
                           settings.secret("NATIONAL_ID_ENCRYPTION_KEY"),
                           settings.earlier_secrets("NATIONAL_ID_RETIRED_ENCRYPTION_KEYS"),
                           previous_hash[0] if previous_hash else None)

