"""Uploaded files and their reports sealed at rest with the kit's keyring (AES-256-GCM,
a key derived for this purpose, the upload's id as associated data: a sealed file copied
to another upload does not open). ``TRANSFER_FILE_KEY`` seals; secrets listed in
``TRANSFER_RETIRED_FILE_KEYS`` (comma-separated) still open what they sealed."""
from __future__ import annotations

import zlib

from servicekit.keyring import Keyring, Sealed
from servicekit.settings import Settings

_INFO = b"inservice transfer uploaded files v1"


class FileVault:
    def __init__(self, secret: str, retired: tuple[str, ...] = ()) -> None:
        self._keyring = Keyring(_INFO, secret, retired)

    def seal(self, upload_id: str, data: bytes) -> str:
        # Compressed first: sealed bytes do not compress, and reports repeat much. Level
        # 1: a 200,000-row report compresses in a third of level 6's time, a quarter
        # larger (any level opens the same way).
        return self._keyring.seal(zlib.compress(data, 1), upload_id.encode()).as_text()

    def open(self, upload_id: str, sealed: str) -> bytes:
        return zlib.decompress(self._keyring.open(Sealed.from_text(sealed), upload_id.encode()))


def file_vault(settings: Settings) -> FileVault:
    retired = tuple(s.strip() for s in (settings.value("TRANSFER_RETIRED_FILE_KEYS") or ""
                                        ).split(",") if s.strip())
    return FileVault(settings.secret("TRANSFER_FILE_KEY"), retired)
