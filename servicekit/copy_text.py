"""Rows in PostgreSQL's COPY text format, made by hand: psycopg's ``write_row`` converts
each value through its dumpers (7 µs a row here), which for 100,000 teachers and their
100,000 events costs more than the server takes to store them. Values arrive as text
already; only free text needs escaping."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
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
    with copying(session, table, columns, lines):
        pass


@contextmanager
def copying(session: Session, table: str, columns: Sequence[str],
            lines: list[str]) -> Iterator[None]:
    """``copy_lines`` with a block that runs while the server stores the rows: they are
    sent first, leaving the block waits for the server (or, on an error, abandons the
    COPY, so the session can roll back). The block must not use the connection: only
    work of its own (making what is written next)."""
    raw = raw_connection(session.connection())
    with raw.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        copy.write("\n".join(lines) + "\n")
        yield
