"""Teacher files as counties send them: CSV (UTF-8, or Big5/CP950 as Excel in Taiwan
saves it) or XLSX (the first sheet). The first row names the columns, in English or as
the counties' own spreadsheets do; the rows come back as field → value mappings with
their row number as a spreadsheet shows it (the header is row 1)."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from servicekit import zip_guard
from servicekit.errors import ApplicationError, Invalid, TooLarge, UnsupportedMedia
from services.accounts.adapters.teacher_rows import FIELDS, REQUIRED

MAX_FILE_BYTES = 50 * 1024 * 1024
CSV, XLSX = "csv", "xlsx"

_ALIASES = {
    "national_id": ("national_id", "身分證字號", "身分證統一編號", "統一證號", "身分證號"),
    "name": ("name", "姓名", "教師姓名"),
    "school_code": ("school_code", "學校代碼", "服務學校代碼", "單位代碼"),
    "email": ("email", "e-mail", "電子郵件", "電子信箱"),
    "since": ("since", "到職日期", "起始日期"),
}
_HEADER = {alias.lower(): field for field, aliases in _ALIASES.items() for alias in aliases}
assert set(_ALIASES) == set(FIELDS)


class FileRefused(ValueError):
    """The whole file is refused; ``kind`` is the application error it makes (its form,
    its size, its content), ``slug`` names why, ``facts`` say more."""

    def __init__(self, kind: type[ApplicationError], slug: str, detail: str,
                 **facts: Any) -> None:
        super().__init__(detail)
        self.kind, self.slug, self.detail, self.facts = kind, slug, detail, facts


@dataclass(frozen=True)
class TeacherTable:
    columns: tuple[str, ...]  # field names, in the file's order
    rows: Iterator[tuple[int, dict[str, Any]]]


def format_of(filename: str) -> str:
    lowered = filename.lower()
    if lowered.endswith(".csv"):
        return CSV
    if lowered.endswith(".xlsx"):
        return XLSX
    raise FileRefused(UnsupportedMedia, "unsupported-file-type", "send a .csv or .xlsx file",
                      accepted=[".csv", ".xlsx"])


def read(filename: str, data: bytes) -> TeacherTable:
    if len(data) > MAX_FILE_BYTES:
        raise FileRefused(TooLarge, "file-too-large",
                          f"a teacher file may have at most {MAX_FILE_BYTES // 2**20} MB",
                          max_bytes=MAX_FILE_BYTES)
    kind = format_of(filename)
    lines = _csv_lines(data) if kind == CSV else _xlsx_lines(data)
    header = next(lines, None)
    if header is None:
        raise FileRefused(Invalid, "empty-file", "the file has no header row")
    columns = _columns(header)
    return TeacherTable(tuple(f for f in columns if f), _rows(columns, lines))


def _csv_lines(data: bytes) -> Iterator[list[Any]]:
    for encoding in ("utf-8-sig", "cp950"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileRefused(Invalid, "unreadable-file", "the CSV is neither UTF-8 nor Big5 (CP950)")
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as error:
        raise FileRefused(Invalid, "unreadable-file", f"the CSV cannot be read: {error}") from None


def _xlsx_lines(data: bytes) -> Iterator[list[Any]]:
    try:
        zip_guard.check_xlsx(data)
    except zip_guard.UnsafeArchive as error:
        raise FileRefused(Invalid, "unsafe-archive", f"the file was not opened: {error}") from None
    except zip_guard.NotASpreadsheet as error:
        raise FileRefused(Invalid, "invalid-xlsx", str(error)) from None
    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        yield from sheet.iter_rows()
    except (CalamineError, ValueError, IndexError) as error:
        raise FileRefused(Invalid, "invalid-xlsx", f"the workbook cannot be read "
                                               f"({type(error).__name__})") from None


def _columns(header: list[Any]) -> list[str | None]:
    """Field per column (None: an empty trailing header); raises for wrong columns."""
    names = [str(cell).strip() if cell is not None else "" for cell in header]
    fields = [_HEADER.get(name.lower()) if name else None for name in names]
    unknown = [name for name, field in zip(names, fields, strict=True) if name and field is None]
    present = [field for field in fields if field]
    duplicated = sorted({field for field in present if present.count(field) > 1})
    missing = [field for field in REQUIRED if field not in present]
    if unknown or duplicated or missing:
        raise FileRefused(Invalid, "wrong-columns", "the header row does not name the expected columns",
                          missing=missing, unexpected=unknown, duplicated=duplicated,
                          expected=list(FIELDS), required=list(REQUIRED))
    return fields


def _rows(columns: list[str | None], lines: Iterator[list[Any]]) -> Iterator[tuple[int, dict[str, Any]]]:
    every_column_named = all(columns)
    for number, cells in enumerate(lines, start=2):
        # any(): a cell that is not falsy is not blank (the common case, decided in C);
        # 0 or False are falsy but not blank, so a row of falsy cells is looked at again.
        if not any(cells) and not any(cell not in (None, "") for cell in cells):
            continue  # blank lines, and the empty rows spreadsheets keep below the data
        if every_column_named:
            # A row may be shorter or longer than the header: missing cells are blank, extra
            # cells unnamed (strict=False on purpose).
            yield number, dict(zip(columns, cells, strict=False))  # type: ignore[arg-type]  # columns are all named here
        else:
            yield number, {field: cell for field, cell in zip(columns, cells, strict=False) if field}
