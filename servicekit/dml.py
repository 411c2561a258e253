"""What an INSERT, UPDATE or DELETE run through a Session changed.

``Session.execute`` is typed to return ``Result``; for these statements it is a
``CursorResult``, the one that carries ``rowcount``. Saying so here, checked, keeps the
type checker honest at every conditional write (``… WHERE version = :expected``)."""
from __future__ import annotations

from typing import Any

from sqlalchemy.engine import CursorResult, Result


def rows_changed(result: Result[Any]) -> int:
    """How many rows the statement behind ``result`` inserted, updated or deleted."""
    if not isinstance(result, CursorResult):
        raise TypeError(f"{type(result).__name__} of a statement that returns rows has no count")
    return result.rowcount
