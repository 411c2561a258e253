"""What every reader gives: the file's tables (a sheet, an XML record kind, an Access
table), each a header and its rows as text cells, in the file's own order."""
from __future__ import annotations

from collections.abc import Sequence
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
    if type(value) is str:  # most cells: no look-up of ``isoformat`` on a string
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat):
        text = str(isoformat())
        return text[:10] if text.endswith("T00:00:00") else text
    return str(value).strip()


def row_texts(row: Sequence[object]) -> list[str]:
    """``cell_text`` of each cell of a row; the text cells (most) without a call each."""
    return [cell.strip() if type(cell) is str else cell_text(cell) for cell in row]


def is_blank(row: Sequence[object]) -> bool:
    """Whether every cell of a row is empty (``None`` or ``""``), counted in C."""
    return row.count(None) + row.count("") == len(row)
