"""The recent documents' GIN index rolled on with the years (``roll-search-index``): on
PostgreSQL the index for the new bound built and valid, the others gone, a search among
the courses to come still reading a recent index and answering the same; a second run,
nothing; an index a failed build left invalid, built again. On SQLite, nothing to do."""
from __future__ import annotations

import argparse
from datetime import UTC, date, datetime

import pytest
from catalogue_support import CASES, catalogue_runtime, searched
from courses_helpers import NOW
from sqlalchemy import text
from sqlalchemy.orm import Session

from servicekit.clock import FixedClock
from servicekit.service import Runtime
from services.courses.adapters import recent_index, search_index
from services.courses.commands import roll_search_index
from services.courses.domain.access import PUBLISHED
from services.courses.domain.search import Keyword, SearchRequest

# A bound no migration writes (never a 1 January), before the tests' today.
BOUND = date(2026, 3, 1)
AMONG_THE_COURSES_TO_COME = [query for query, _ in CASES if "q" in query
                             and "include_past" not in query]


def _recent(runtime: Runtime) -> dict[str, tuple[bool, str]]:
    """The recent indexes: valid or not, and their definition."""
    with runtime.database.engine.connect() as connection:
        valid = recent_index.recent_indexes(connection)
        defined = dict(connection.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE tablename = 'course_search_documents'")).all())
    return {name: (ok, defined[name]) for name, ok in valid.items()}


def _roll(runtime: Runtime, bound: date | None = None) -> dict:
    return roll_search_index(runtime, argparse.Namespace(bound=bound))  # type: ignore[return-value]


def _plan(runtime: Runtime, q: str) -> str:
    """A search's plan when the documents' other indexes are out of the way (dropped in
    a transaction undone after): on a handful of courses the planner would as soon read
    the courses to come in their order, as it would not at national scale. What is shown
    is that it proves the statement within a recent index's predicate."""
    with runtime.database.engine.connect() as connection, connection.begin() as undone:
        others = connection.execute(text(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'course_search_documents' "
            "AND NOT starts_with(indexname, 'pk_') AND NOT starts_with(indexname, :recent)"),
            {"recent": recent_index.PREFIX}).scalars().all()
        for other in others:
            connection.execute(text(f"DROP INDEX {other}"))
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        index = search_index.SearchIndex(Session(bind=connection))
        request = SearchRequest(today=NOW.date(), q=Keyword.of(q))
        query = index.query(request, index.conditions(request, PUBLISHED))
        compiled = str(query.compile(dialect=connection.dialect,
                                     compile_kwargs={"literal_binds": True}))
        plan = "\n".join(row[0] for row in connection.execute(text("EXPLAIN " + compiled)))
        undone.rollback()
    return plan


def test_the_bound_is_1_january_of_the_previous_year() -> None:
    assert recent_index.bound_for(date(2027, 1, 2)) == date(2026, 1, 1)
    assert recent_index.bound_for(date(2027, 12, 31)) == date(2026, 1, 1)
    assert recent_index.index_name(date(2026, 1, 1)) == \
        "ix_course_search_documents_terms_recent_20260101"


@pytest.mark.postgres
def test_a_roll_builds_the_new_bound_and_drops_the_old(pg_runtime) -> None:
    before = _recent(pg_runtime)
    assert len(before) == 1, before  # the migration's
    answers = [searched(pg_runtime, **query) for query in AMONG_THE_COURSES_TO_COME]

    done = _roll(pg_runtime, BOUND)

    name = recent_index.index_name(BOUND)
    assert done == {"rolled": True, "index": name, "from": BOUND.isoformat(),
                    "created": name, "dropped": sorted(before)}
    after = _recent(pg_runtime)
    assert list(after) == [name]
    valid, definition = after[name]
    assert valid and "WHERE (ends_on >= '2026-03-01'::date)" in definition, definition
    assert [searched(pg_runtime, **query) for query in AMONG_THE_COURSES_TO_COME] == answers
    plan = _plan(pg_runtime, "教學")
    assert name in plan, plan


@pytest.mark.postgres
def test_a_second_roll_does_nothing(pg_runtime) -> None:
    _roll(pg_runtime, BOUND)
    with pg_runtime.database.engine.connect() as connection:
        oid = connection.execute(text(
            f"SELECT '{recent_index.index_name(BOUND)}'::regclass::oid")).scalar()

    done = _roll(pg_runtime, BOUND)

    assert done["rolled"] is False and "nothing to do" in done["reason"], done
    with pg_runtime.database.engine.connect() as connection:
        assert connection.execute(text(
            f"SELECT '{recent_index.index_name(BOUND)}'::regclass::oid")).scalar() == oid


@pytest.mark.postgres
def test_the_migrations_index_is_the_default_roll(make_database, tmp_path) -> None:
    """Revision 0016 builds the index a roll on the day it runs would (the same name and
    bound), so that the first scheduled roll finds nothing to do."""
    runtime = catalogue_runtime(make_database("courses"), tmp_path, FixedClock(datetime.now(UTC)))
    try:
        done = _roll(runtime)
        assert done["rolled"] is False, done
        assert list(_recent(runtime)) == [
            recent_index.index_name(recent_index.bound_for(datetime.now(UTC).date()))]
    finally:
        runtime.database.dispose()


@pytest.mark.postgres
def test_an_index_a_failed_build_left_invalid_is_built_again(pg_runtime) -> None:
    name = recent_index.index_name(BOUND)
    with pg_runtime.database.engine.connect().execution_options(
            isolation_level="AUTOCOMMIT") as connection:
        with pytest.raises(Exception, match="could not create unique index"):
            connection.execute(text(f"CREATE UNIQUE INDEX CONCURRENTLY {name} "
                                    "ON course_search_documents ((1))"))
    assert _recent(pg_runtime)[name][0] is False

    done = _roll(pg_runtime, BOUND)

    assert done["dropped_invalid"] == name and done["created"] == name, done
    assert list(_recent(pg_runtime)) == [name] and _recent(pg_runtime)[name][0] is True


@pytest.mark.postgres
def test_a_bound_after_today_is_refused(pg_runtime) -> None:
    with pytest.raises(SystemExit, match="after today"):
        _roll(pg_runtime, date(2026, 6, 1))
    assert len(_recent(pg_runtime)) == 1


def test_on_sqlite_there_is_nothing_to_do(tmp_path) -> None:
    runtime = catalogue_runtime(f"sqlite:///{tmp_path / 'courses.sqlite3'}", tmp_path, FixedClock(NOW))
    try:
        done = _roll(runtime)
    finally:
        runtime.database.dispose()
    assert done["rolled"] is False and "nothing to do" in done["reason"], done
