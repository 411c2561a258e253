"""The GIN index over the terms of the recent documents (revision 0016), rolled on with
the years (``python -m services.courses roll-search-index``).

A search among the courses to come, or a large match's ranked window, names its first
last day in the statement (``SearchIndex._day``), so that PostgreSQL proves it within a
partial index ``WHERE ends_on >= <bound>`` and looks its keywords up there rather than in
every year's posting lists. Any bound up to that day serves; a fixed one would let the
index hold one more year every year. Its name carries its bound, so that a roll knows
what it finds: it builds the index for the new bound, then drops the others, each
concurrently, searches keeping one index the whole time."""
from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlalchemy.engine import Connection

from servicekit.db import Database
from services.courses.adapters.search_terms import INDEXED

TABLE = "course_search_documents"
PREFIX = f"ix_{TABLE}_terms_recent"


def bound_for(today: date) -> date:
    """1 January of the previous year: the courses to come all year long, and a large
    match's ranked window (its most recent matches, reaching back into last year)."""
    return date(today.year - 1, 1, 1)


def index_name(bound: date) -> str:
    return f"{PREFIX}_{bound:%Y%m%d}"


def create_statement(bound: date, concurrently: bool = True) -> str:
    how = "CONCURRENTLY " if concurrently else ""
    return (f"CREATE INDEX {how}{index_name(bound)} ON {TABLE} "
            f"USING gin ({INDEXED}) WHERE ends_on >= '{bound.isoformat()}'")


def recent_indexes(connection: Connection) -> dict[str, bool]:
    """The recent indexes of the documents, by name: valid or not (a concurrent build
    that failed or was interrupted leaves an invalid one, which no search reads)."""
    rows = connection.execute(text(
        "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        f"WHERE i.indrelid = '{TABLE}'::regclass")).all()
    return {name: valid for name, valid in rows
            if name == PREFIX or name.startswith(f"{PREFIX}_")}


def roll(database: Database, bound: date) -> dict[str, object]:
    """The recent index for ``bound`` built (again, if a build left it invalid) and the
    other recent indexes dropped; nothing done when it is already so. Each step commits
    on its own (a concurrent build or drop cannot run in a transaction), so an
    interrupted roll is finished by running it again."""
    if database.engine.dialect.name != "postgresql":
        return {"rolled": False, "reason": "nothing to do: only PostgreSQL has the recent "
                                           "index (SQLite keeps its term rows)"}
    name, done = index_name(bound), dict[str, object]()
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        found = recent_indexes(connection)
        if found.get(name) is False:
            connection.execute(text(f"DROP INDEX CONCURRENTLY IF EXISTS {name}"))
            done["dropped_invalid"] = name
        if not found.get(name):
            connection.execute(text(create_statement(bound)))
            done["created"] = name
        others = sorted(other for other in found if other != name)
        for other in others:
            connection.execute(text(f"DROP INDEX CONCURRENTLY IF EXISTS {other}"))
        if others:
            done["dropped"] = others
    if not done:
        return {"rolled": False, "index": name,
                "reason": f"nothing to do: {name} is the only recent index, and valid"}
    return {"rolled": True, "index": name, "from": bound.isoformat(), **done}
