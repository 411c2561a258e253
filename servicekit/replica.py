"""Keeping a replica of another service's data from its events: "newer version wins".

Events may arrive late, twice or out of order; each carries the version of its aggregate.
A replica row is written only when the incoming version is greater than the one kept, so
an older (or the same) version arriving late never overwrites a newer one."""
from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, and_, or_
from sqlalchemy.orm import Session

from servicekit.db import insert_rows


def upsert_newer(session: Session, table: Table, keys: Sequence[str],
                 rows: Iterable[Mapping[str, Any]], *, version: str = "version",
                 shared: Mapping[str, Any] | None = None,
                 tie_wins_when: Mapping[str, Any] | None = None,
                 report_written: bool = False) -> set[tuple[Any, ...]] | None:
    """Inserts the rows of new keys and overwrites the rows of known keys whose kept
    ``version`` is lower. With ``report_written``, returns the keys written (tuples of the
    ``keys`` values); otherwise None, and the statement returns nothing (it costs a little
    on large batches).

    ``rows`` all hold the same columns (``keys`` and ``version`` among them); ``shared``
    columns take one value for every row (e.g. the moment of writing). ``tie_wins_when``:
    an incoming row of the same version as the kept one still overwrites it when its
    columns hold these values (e.g. a revocation carrying the grant's own version).

    One statement on PostgreSQL (the rows as one JSON document, see ``insert_rows``); on
    SQLite the same statement run for the rows. One statement may touch a key only once, so
    of several rows of one key only the one that applying them in order would leave is
    sent: the first of the highest version, unless a later one of that version wins the
    tie."""
    keys, shared = tuple(keys), dict(shared or {})
    tie = tuple(sorted((tie_wins_when or {}).items()))
    key_of = operator.itemgetter(*keys)  # on the consumer's hot path: no per-row tuple
    newest: dict[Any, Mapping[str, Any]] = {}
    for row in rows:
        key = key_of(row)
        kept = newest.get(key)
        if kept is None or kept[version] < row[version] or (
                tie and kept[version] == row[version] and _wins_tie(row, tie)):
            newest[key] = row
    if not newest:
        return set() if report_written else None
    columns = tuple(next(iter(newest.values())))
    statement, parameters = _statement(session.get_bind().dialect.name, table, keys, columns,
                                       tuple(shared), version, tie, report_written)
    written = session.execute(statement, parameters(list(newest.values()), **shared))
    return {tuple(row) for row in written} if report_written else None


def _wins_tie(row: Mapping[str, Any], tie: tuple[tuple[str, Any], ...]) -> bool:
    return all(row[name] == value for name, value in tie)


@functools.cache
def _statement(dialect: str, table: Table, keys: tuple[str, ...], columns: tuple[str, ...],
               shared: tuple[str, ...], version: str,
               tie: tuple[tuple[str, Any], ...],
               report_written: bool) -> tuple[Any, Callable[..., Any]]:
    statement, parameters = insert_rows(dialect, table, columns, shared)
    incoming, kept = statement.excluded, table.c
    newer = kept[version] < incoming[version]
    if tie:
        newer = or_(newer, and_(kept[version] == incoming[version],
                                *(incoming[name] == value for name, value in tie)))
    upsert = statement.on_conflict_do_update(
        index_elements=[table.c[name] for name in keys],
        set_={name: incoming[name] for name in (*columns, *shared) if name not in keys},
        where=newer)
    if report_written:
        return upsert.returning(*(table.c[name] for name in keys)), parameters
    return upsert, parameters
