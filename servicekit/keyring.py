"""One keyring for sealing secrets at rest: national IDs in accounts, signing keys and county
credentials in sso, and whatever a later service must keep and give back.

- **Keys come from configured secrets**, stretched with HKDF-SHA256 (RFC 5869, no salt) to
  32 bytes under a label that names what they seal (``info``): any long random secret
  will do, and one secret used for two purposes gives two unrelated keys.
- **Every sealed value names its key** (``key_id``: 12 hex digits of an HMAC of the key,
  so the id reveals nothing of it). The current key seals; retired keys, still
  configured, open what they sealed, until a rotation has re-sealed every value
  (``reseal_in_batches``) and they can be dropped.
- **AES-256-GCM** with a fresh 12-byte nonce per value; the associated data says what
  the value belongs to (an account id, ``signing-key:<kid>``): a value copied onto
  another row does not open, and neither does one whose bytes were changed.

A sealed value is a key id and ``nonce ‖ ciphertext ‖ tag`` (``Sealed``): stored as two
columns, or as one text, ``v2.<key id>.<nonce>.<ciphertext>`` in unpadded URL-safe
base64 (``Sealed.as_text``). These are the derivation and formats accounts and sso wrote
before they shared this module: what either stored still opens, unchanged."""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.orm import Session

from servicekit.batches import BatchRewrite, BatchRun, Unreadable
from servicekit.db import Database

NONCE_BYTES = 12
KEY_BYTES = 32
TEXT_VERSION = "v2"  # sso's "v1" values had no key id (services/sso/adapters/sealing.py)


class CannotOpen(ValueError):
    """The value does not open here: see the two kinds below."""


class UnknownKey(CannotOpen, LookupError):
    """The value names a key that is not configured (retired too early)."""


class Tampered(CannotOpen):
    """The key is configured but the value does not open with it: its bytes were changed,
    or it was sealed for something else (another row's associated data), or it is not a
    sealed value at all."""


def derive_key(secret: str | bytes, info: bytes) -> bytes:
    """The 32-byte key HKDF-SHA256 derives from ``secret`` under the label ``info``. Stable:
    changing it would leave every stored value unreadable (tests hold fixed vectors)."""
    material = secret.encode() if isinstance(secret, str) else secret
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None,
                info=info).derive(material)


def key_id(key: bytes) -> str:
    return hmac.new(key, b"key id", hashlib.sha256).hexdigest()[:12]


@dataclass(frozen=True)
class Sealed:
    key_id: str
    ciphertext: bytes  # nonce ‖ ciphertext ‖ tag

    def as_text(self) -> str:
        nonce, body = self.ciphertext[:NONCE_BYTES], self.ciphertext[NONCE_BYTES:]
        return f"{TEXT_VERSION}.{self.key_id}.{b64_unpadded(nonce)}.{b64_unpadded(body)}"

    @classmethod
    def from_text(cls, text: str) -> Sealed:
        """Raises Tampered when ``text`` is not a sealed value in the text form."""
        parts = text.split(".")
        if len(parts) != 4 or parts[0] != TEXT_VERSION:
            raise Tampered(f"not a sealed value ({parts[0][:8]!r}…)")
        try:
            return cls(parts[1], from_b64_unpadded(parts[2]) + from_b64_unpadded(parts[3]))
        except (binascii.Error, ValueError):
            raise Tampered("a sealed value whose base64 does not decode") from None


class Keyring:
    """The keys of one purpose: ``secret`` seals, ``retired`` secrets only open. The current
    key is tried first wherever a key is searched for."""

    def __init__(self, info: bytes, secret: str, retired: Iterable[str] = ()) -> None:
        current = derive_key(secret, info)
        self.current_key_id = key_id(current)
        self._current = AESGCM(current)
        self._keys = {self.current_key_id: self._current}
        for key in (derive_key(s, info) for s in retired):
            self._keys.setdefault(key_id(key), AESGCM(key))

    @property
    def key_ids(self) -> tuple[str, ...]:
        """Every configured key's id, the current one first."""
        return tuple(self._keys)

    def seal(self, plaintext: bytes, associated: bytes, nonce: bytes | None = None) -> Sealed:
        """``nonce``: 12 fresh random bytes, never used before with this key (a bulk writer
        passes slices of one large read); by default read here."""
        nonce = nonce or os.urandom(NONCE_BYTES)
        return Sealed(self.current_key_id,
                      nonce + self._current.encrypt(nonce, plaintext, associated))

    def open(self, sealed: Sealed, associated: bytes) -> bytes:
        """Raises UnknownKey or Tampered (both CannotOpen)."""
        key = self._keys.get(sealed.key_id)
        if key is None:
            raise UnknownKey(f"sealed under key id {sealed.key_id}, which is not configured")
        return _decrypt(key, sealed.ciphertext, associated)

    def open_with_any_key(self, ciphertext: bytes, associated: bytes) -> bytes:
        """For values stored without their key id: each key is tried, the current first.
        Raises UnknownKey when none opens it."""
        for key in self._keys.values():
            try:
                return _decrypt(key, ciphertext, associated)
            except Tampered:
                continue
        raise UnknownKey("a value that opens with none of the configured keys")

    def is_current(self, sealed: Sealed) -> bool:
        return sealed.key_id == self.current_key_id

    def reseal(self, sealed: Sealed, associated: bytes) -> Sealed:
        """The same plaintext under the current key, with a fresh nonce; raises as ``open``."""
        return self.seal(self.open(sealed, associated), associated)


def _decrypt(key: AESGCM, ciphertext: bytes, associated: bytes) -> bytes:
    try:
        return key.decrypt(ciphertext[:NONCE_BYTES], ciphertext[NONCE_BYTES:], associated)
    except (InvalidTag, ValueError):  # ValueError: too short to hold a nonce and a tag
        raise Tampered("the sealed value does not open with its key") from None


def b64_unpadded(data: bytes) -> str:
    """URL-safe base64 without padding, as sealed values are written in text."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def from_b64_unpadded(text: str) -> bytes:
    """Raises binascii.Error (a ValueError) on any character outside the alphabet."""
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)


Row = TypeVar("Row")
Value = TypeVar("Value")


def reseal_in_batches(database: Database, batch_size: int, *,
                      page: Callable[[Session, Any, int], list[Row]],
                      key: Callable[[Row], Any],
                      reseal: Callable[[Row], Value],
                      replace: Callable[[Session, Row, Value], bool]) -> BatchRun:
    """Finishing a key rotation: every row ``page`` returns (those not under the current
    key, by ``key`` after the last one seen) is re-sealed and written back, a batch per
    transaction (servicekit.batches). ``reseal(row)``: its value under the current key
    (``Keyring.reseal``); a row it cannot open (CannotOpen) is counted, named and left as
    it is. ``replace(session, row, new)``: False when the row changed since it was read."""
    def rewrite(session: Session, row: Row) -> bool:
        try:
            new = reseal(row)
        except CannotOpen:
            raise Unreadable(str(key(row))) from None
        return replace(session, row, new)

    return BatchRewrite(page, key, rewrite).run(database, batch_size)
