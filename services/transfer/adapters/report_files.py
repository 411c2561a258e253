"""The per-row report of a file as a unit downloads it: each table of the file with its
original header and rows, plus one column saying what is wrong with the row (empty when
nothing is), so the unit fixes the same file and sends it again (R-TRF-3).

``.xlsx`` (openpyxl, write-only: rows streamed to the file) holds one sheet per table,
named as in the file; ``.csv`` holds one table (UTF-8 with a byte-order mark, which Excel
needs to read Chinese)."""
from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook

ERROR_COLUMN = "錯誤 errors"


def report_csv(table: dict[str, Any]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*table["header"], ERROR_COLUMN])
    writer.writerows(table["rows"])
    return ("\ufeff" + out.getvalue()).encode()


def report_xlsx(tables: list[dict[str, Any]]) -> bytes:
    book = Workbook(write_only=True)
    for table in tables:
        sheet = book.create_sheet(str(table["table"])[:31])
        sheet.append([*table["header"], ERROR_COLUMN])
        for row in table["rows"]:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
