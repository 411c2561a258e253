"""What every reader gives: the file's tables (a sheet, an XML record kind, an Access
table), each a header and its rows as text cells, in the file's own order."""
from __future__ import annotations

from dataclasses import dataclass, field


class UnreadableFile(ValueError):
    """The file is not what its name says, is damaged, or is unsafe to open. ``slug`` is
    the stable problem type; the message says what is wrong in words safe to show."""

    def __init__(self, slug: str, message: str) -> None:
        super().__init__(message)
        self.slug = slug


@dataclass
class FileTable:
    name: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)


def cell_text(value: object) -> str:
    """A cell as the format reads it: dates as ``YYYY-MM-DD``, whole numbers without
    ``.0`` (a sheet stores 6 hours as 6.0), everything else as written."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat):
        text = str(isoformat())
        return text[:10] if text.endswith("T00:00:00") else text
    return str(value).strip()
