"""The reader for a file by its name's suffix; the reader then checks the content is
what the name says (a zip for .xlsx, OLE2 for .xls, XML, a Jet/ACE signature)."""
from __future__ import annotations

from pathlib import PurePath

from services.transfer.adapters.files.access import read_access
from services.transfer.adapters.files.excel import read_excel
from services.transfer.adapters.files.tables import FileTable, UnreadableFile
from services.transfer.adapters.files.xml_batch import read_xml

SUFFIXES = (".xlsx", ".xls", ".xml", ".mdb", ".accdb")


def read_tables(filename: str, data: bytes, only: set[str] | None = None) -> list[FileTable]:
    suffix = PurePath(filename).suffix.lower()
    if suffix in (".xlsx", ".xls"):
        return read_excel(data, suffix)
    if suffix == ".xml":
        return read_xml(data)
    if suffix in (".mdb", ".accdb"):
        return read_access(data, only)
    raise UnreadableFile("unsupported-file", f"a file is one of {', '.join(SUFFIXES)}")
