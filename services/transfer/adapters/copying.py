"""Rows written with PostgreSQL's COPY through the session's own connection (so in its
transaction), from lines already in COPY's text format (``servicekit.copy_text``)."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session


def copy_lines(session: Session, table: str, columns: Sequence[str], lines: list[str]) -> None:
    """``lines``: one row each, without their line ends."""
    raw = session.connection().connection.driver_connection
    if raw is None:  # only an invalidated connection has none
        raise RuntimeError("the session's database connection was invalidated")
    with raw.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        copy.write("\n".join(lines) + "\n")
