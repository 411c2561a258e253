"""Excel workbooks (.xlsx, .xls) through python-calamine (about 70k rows/s here). An
.xlsx is a zip: the zip guard judges it before calamine opens it whole; an .xls must
carry the OLE2 signature. Every sheet is a table, its first row the header."""
from __future__ import annotations

import io

from python_calamine import CalamineWorkbook

from servicekit.zip_guard import NotASpreadsheet, UnsafeArchive, check_xlsx
from services.transfer.adapters.files.tables import (
    FileTable,
    UnreadableFile,
    is_blank,
    row_texts,
)

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_excel(data: bytes, suffix: str) -> list[FileTable]:
    if suffix == ".xlsx":
        try:
            check_xlsx(data)
        except NotASpreadsheet as error:
            raise UnreadableFile("not-this-kind-of-file", str(error)) from None
        except UnsafeArchive as error:
            raise UnreadableFile("unsafe-archive", str(error)) from None
    elif not data.startswith(OLE2):
        raise UnreadableFile("not-this-kind-of-file", "the file is not an .xls workbook")
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        tables = []
        for name in workbook.sheet_names:
            rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
            if not rows:
                continue
            header = row_texts(rows[0])
            body = [row_texts(row) for row in rows[1:] if not is_blank(row)]
            tables.append(FileTable(name, header, body))
        return tables
    except UnreadableFile:
        raise
    except Exception as error:  # calamine raises its own kinds for a damaged workbook
        raise UnreadableFile("damaged-file",
                             f"the workbook cannot be read ({type(error).__name__})") from None
