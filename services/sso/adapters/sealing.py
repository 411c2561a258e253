"""Secrets at rest: signing keys and county credentials are sealed with AES-256-GCM under a
key derived from the ``KEY_ENCRYPTION_KEY`` secret. The associated data names what is
sealed (``signing-key:<kid>``), so a sealed value moved to another row does not open."""
from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = "v1"


class Sealer:
    def __init__(self, secret: str) -> None:
        self._aead = AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                                 info=b"inservice-sso sealing v1").derive(secret.encode()))

    def seal(self, plaintext: bytes, purpose: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext, purpose.encode())
        return f"{_VERSION}.{_b64(nonce)}.{_b64(sealed)}"

    def open(self, token: str, purpose: str) -> bytes:
        """Raises ValueError when the value was not sealed here for this purpose."""
        version, nonce, sealed = token.split(".")
        if version != _VERSION:
            raise ValueError(f"unknown sealing version {version!r}")
        try:
            return self._aead.decrypt(_unb64(nonce), _unb64(sealed), purpose.encode())
        except Exception:
            raise ValueError("the sealed value does not open with this key") from None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
