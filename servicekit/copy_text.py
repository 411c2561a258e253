"""Rows in PostgreSQL's COPY text format, made by hand: psycopg's ``write_row`` converts
each value through its dumpers (7 µs a row here), which for 100,000 teachers and their
100,000 events costs more than the server takes to store them. Values arrive as text
already; only free text needs escaping."""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

NULL = "\\N"


def text(value: str | None) -> str:
    # Scans and replace() run in C; str.translate with a mapping is ~80 times slower.
    if value is None:
        return NULL
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def bytea(value: bytes) -> str:
    return "\\\\x" + value.hex()  # the hex form, its backslash escaped for COPY


def raw_connection(connection: Connection) -> Any:
    """The driver's (psycopg's) connection under SQLAlchemy's, for ``COPY``: the same
    connection, so what is copied belongs to the session's transaction."""
    raw = connection.connection.driver_connection
    if raw is None:  # only an invalidated connection has none: nothing to COPY through
        raise RuntimeError("the session's database connection was invalidated")
    return raw


def copy_lines(session: Session, table: str, columns: Sequence[str], lines: list[str]) -> None:
    """Rows written by ``COPY`` in the session's transaction, from ``lines`` already in
    COPY's text format, one row each, without their line ends."""
    with streaming(session, table, columns) as write:
        write(lines)


@contextmanager
def streaming(session: Session, table: str,
              columns: Sequence[str]) -> Iterator[Callable[[list[str]], None]]:
    """A ``COPY`` the block writes in parts (``write(lines)``, in COPY's text format, one
    row each, without their line ends), each sent as it is given, so the server stores
    one part while the block makes the next. It begins with the first part (none, no
    COPY); leaving the block waits for the server (on an error, abandons the COPY, so the
    session can roll back). The block must not use the connection otherwise."""
    with ExitStack() as stack:
        copy: Any = None

        def write(lines: list[str]) -> None:
            nonlocal copy
            if not lines:
                return
            if copy is None:
                raw = raw_connection(session.connection())
                copy = stack.enter_context(raw.cursor().copy(
                    f"COPY {table} ({', '.join(columns)}) FROM STDIN"))
            copy.write("\n".join(lines) + "\n")
        yield write
