"""Files attached to a course (R-CRS-1: the approval letter and others): which types are
taken, told by the name's extension AND the file's first bytes (a renamed executable is
refused), and how large one may be (settings)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from servicekit.errors import Invalid, TooLarge

KINDS = ("approval_letter", "other")

# extension → (media type, the signatures its content starts with)
_ZIP = (b"PK\x03\x04",)
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
KNOWN_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP),
    "odt": ("application/vnd.oasis.opendocument.text", _ZIP),
    "doc": ("application/msword", _OLE),
}
SIGNATURE_BYTES = 16


@dataclass(frozen=True)
class Attachment:
    attachment_id: str
    course_id: str
    kind: str
    filename: str
    media_type: str
    size: int
    sha256: str
    storage_key: str
    uploaded_by: str
    uploaded_at: datetime


def safe_filename(name: str) -> str:
    """The last part of a client's path, without control or path characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    cleaned = re.sub(r'[\x00-\x1f\x7f"<>:|?*]', "", base).strip().strip(".")
    return cleaned[:200] or "attachment"


def media_type_of(filename: str, head: bytes, allowed: tuple[str, ...]) -> str:
    """The media type of a file the settings allow, from its extension and first bytes."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    known = KNOWN_TYPES.get(extension)
    if extension not in allowed or known is None:
        raise Invalid("attachment-type-refused", "This type of file is not taken",
                      f"allowed: {', '.join(allowed)}", allowed=list(allowed))
    media_type, signatures = known
    if not any(head.startswith(signature) for signature in signatures):
        raise Invalid("attachment-type-refused", "This type of file is not taken",
                      f"the content is not a .{extension} file", allowed=list(allowed))
    return media_type


def too_large(limit: int) -> TooLarge:
    return TooLarge("attachment-too-large", "The file is too large",
                    f"an attachment is at most {limit} bytes", limit=limit)
