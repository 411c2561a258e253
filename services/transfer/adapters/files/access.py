"""Access databases (.mdb Jet 3/4, .accdb ACE) through Debian's ``mdbtools``
(``mdb-tables``, ``mdb-export``) in a subprocess with a time limit and an address-space
limit, so a crafted file costs at most that. The file is written to a private temporary
folder and removed with it."""
from __future__ import annotations

import csv
import io
import subprocess
import tempfile
from pathlib import Path

from services.transfer.adapters.files.tables import FileTable, UnreadableFile

SIGNATURES = (b"Standard Jet DB", b"Standard ACE DB")
TIME_LIMIT_SECONDS = 60
MEMORY_LIMIT_BYTES = 1024 * 1024 * 1024


def _run(*command: str) -> str:
    # prlimit (util-linux) sets the limits in the child: preexec_fn is unsafe in a
    # process with threads, as a web worker is.
    limited = ("prlimit", f"--as={MEMORY_LIMIT_BYTES}", "--core=0",
               f"--cpu={TIME_LIMIT_SECONDS}", "--", *command)
    try:
        done = subprocess.run(limited, capture_output=True, timeout=TIME_LIMIT_SECONDS,
                              check=False)
    except FileNotFoundError:
        raise UnreadableFile("access-reader-missing",
                             "Access files cannot be read here (mdbtools is not installed)"
                             ) from None
    except subprocess.TimeoutExpired:
        raise UnreadableFile("file-too-slow", "the Access file takes too long to read") from None
    if done.returncode != 0:
        raise UnreadableFile("damaged-file", "the Access file cannot be read")
    return done.stdout.decode("utf-8", errors="replace")


def read_access(data: bytes, only: set[str] | None = None) -> list[FileTable]:
    """``only``: the tables to export (the mapping's); every table is named either way."""
    if data[4:19] not in SIGNATURES:
        raise UnreadableFile("not-this-kind-of-file", "the file is not an Access database")
    with tempfile.TemporaryDirectory(prefix="transfer-") as folder:
        path = Path(folder) / "upload.mdb"
        path.write_bytes(data)
        names = [name for name in _run("mdb-tables", "-1", str(path)).splitlines() if name]
        tables = []
        for name in names:
            if only is not None and name not in only:
                tables.append(FileTable(name, []))
                continue
            text = _run("mdb-export", "-D", "%Y-%m-%d", str(path), name)
            rows = list(csv.reader(io.StringIO(text)))
            if rows:
                tables.append(FileTable(name, rows[0], rows[1:]))
        return tables
