"""An XLSX is a zip archive, and calamine opens it whole, with no guard against a zip
bomb. Before it does, the archive must be small when unpacked: few entries, each entry
and the total below a size, no entry packed much tighter than spreadsheets pack — judged
from the sizes the archive declares, then confirmed by unpacking it in a stream that
stops at the declared size (zipfile checks each entry's CRC, so a lie is caught)."""
from __future__ import annotations

import io
import zipfile
import zlib

MAX_ENTRIES = 10_000
MAX_ENTRY_BYTES = 256 * 1024 * 1024
MAX_TOTAL_BYTES = 512 * 1024 * 1024
MAX_RATIO = 100  # sheet XML packs 10–30 to 1; zeros pack 1000 to 1
RATIO_FROM_BYTES = 1024 * 1024  # tiny entries may pack tighter without harm
_CHUNK = 1024 * 1024
REQUIRED_PARTS = ("[Content_Types].xml", "xl/workbook.xml")


class NotASpreadsheet(ValueError):
    pass


class UnsafeArchive(ValueError):
    pass


def check_xlsx(data: bytes) -> None:
    """Raises NotASpreadsheet or UnsafeArchive; returns when calamine may open ``data``."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise NotASpreadsheet("the file is not an XLSX workbook (not a zip archive)") from None
    with archive:
        entries = archive.infolist()
        _check_declared(entries)
        names = {entry.filename for entry in entries}
        if not all(part in names for part in REQUIRED_PARTS):
            raise NotASpreadsheet("the archive holds no Excel workbook")
        _unpack_within_limits(archive, entries)


def _check_declared(entries: list[zipfile.ZipInfo]) -> None:
    if len(entries) > MAX_ENTRIES:
        raise UnsafeArchive(f"the archive has more than {MAX_ENTRIES} entries")
    total = 0
    for entry in entries:
        if entry.flag_bits & 0x1:
            raise UnsafeArchive("the archive has encrypted entries")
        if entry.file_size > MAX_ENTRY_BYTES:
            raise UnsafeArchive(f"an entry unpacks to more than {MAX_ENTRY_BYTES // 2**20} MiB")
        if entry.file_size > RATIO_FROM_BYTES and \
                entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
            raise UnsafeArchive(f"an entry is packed more than {MAX_RATIO} to 1")
        total += entry.file_size
    if total > MAX_TOTAL_BYTES:
        raise UnsafeArchive(f"the archive unpacks to more than {MAX_TOTAL_BYTES // 2**20} MiB")


def _unpack_within_limits(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> None:
    total = 0
    for entry in entries:
        try:
            with archive.open(entry) as stream:
                while chunk := stream.read(_CHUNK):
                    total += len(chunk)
                    if total > MAX_TOTAL_BYTES:
                        raise UnsafeArchive("the archive unpacks to more than it may")
        except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, zlib.error) as error:
            raise NotASpreadsheet(f"the archive is damaged ({type(error).__name__})") from None
