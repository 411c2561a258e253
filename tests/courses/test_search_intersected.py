"""On PostgreSQL, a search that looks terms up among the courses to come reads its
documents with the plain index scans off for those statements alone, so that the
planner intersects the recent GIN index's bitmap with the range of last days rather
than testing every course to come in the order of its last day (at national scale a
common word's long posting list turned the plan over); its other statements (the
courses read by id) keep them. Its answers are the same (the equivalence tests of
catalogue_support run on both databases)."""
from __future__ import annotations

from typing import Any

import pytest
from catalogue_support import searched
from sqlalchemy import event, text

from services.courses.adapters.orm import course_search_documents

DOCUMENTS = course_search_documents.name


def _probed(runtime: Any, probe: Any, **query: Any) -> list[Any]:
    """Runs the search, calling ``probe(cursor, statement, parameters)`` before each of its
    statements that reads (on its connection, in its transaction, with its settings), and
    keeping what the probe returns (None: nothing)."""
    seen: list[Any] = []

    def before(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "set_config" not in statement:
            found = probe(conn.connection.dbapi_connection.cursor(), statement, parameters)
            if found is not None:
                seen.append(found)

    event.listen(runtime.database.engine, "before_cursor_execute", before)
    try:
        searched(runtime, **query)
    finally:
        event.remove(runtime.database.engine, "before_cursor_execute", before)
    return seen


def _setting_by_statement(runtime: Any, setting: str = "enable_indexscan", **query: Any
                              ) -> list[tuple[str, str]]:
    """Each statement of the search, with the setting it ran with (by default whether
    plain index scans were on for it)."""
    def setting_of(cursor: Any, statement: str, parameters: Any) -> tuple[str, str]:
        cursor.execute("SELECT current_setting(%s)", (setting,))
        return statement, cursor.fetchone()[0]
    return _probed(runtime, setting_of, **query)


def _from(statement: str) -> str:
    return statement.split("FROM", 1)[1].split()[0] if "FROM" in statement else ""


@pytest.mark.postgres
@pytest.mark.parametrize("query", [{"q": "教學"}, {"q": "教學", "unit": "國小"},
                                   {"audience": "elementary"}, {"lecturer": "陳"}])
def test_a_lookup_among_the_courses_to_come_reads_its_documents_by_bitmaps(
        pg_runtime, query) -> None:
    seen = _setting_by_statement(pg_runtime, **query)
    lookups = [setting for statement, setting in seen
               if "string_to_array" in statement]
    assert lookups and set(lookups) == {"off"}, seen
    by_id = [setting for statement, setting in seen if _from(statement) != DOCUMENTS
             and DOCUMENTS not in statement]
    assert by_id and set(by_id) == {"on"}, seen


@pytest.mark.postgres
@pytest.mark.parametrize("query", [{"q": "教學", "include_past": True}, {}])
def test_other_searches_keep_their_index_scans(pg_runtime, query) -> None:
    seen = _setting_by_statement(pg_runtime, **query)
    assert seen and {setting for _, setting in seen} == {"on"}, seen


@pytest.mark.postgres
@pytest.mark.parametrize("query", [{"q": "教"}, {"q": "防災", "county": "TXG"}, {}])
def test_every_statement_of_a_search_is_planned_for_its_own_values(pg_runtime, query) -> None:
    """A search's statements repeat with other words (psycopg prepares a statement from
    its fifth run on a connection), and a plan made for any word (PostgreSQL's generic
    plan, after five) reads a common word's posting list as it would a rare one's: at
    2 M courses single runs of 教 and 研習 to come took 120-270 ms against 40. A search's
    transaction plans each statement for its values (``plan_cache_mode``)."""
    seen = _setting_by_statement(pg_runtime, "plan_cache_mode", **query)
    assert seen and {setting for _, setting in seen} == {"force_custom_plan"}, seen


def _plans_of_lookups(runtime: Any, **query: Any) -> list[str]:
    """The plan of each statement of the search that looks terms up, as PostgreSQL makes
    it in the search's own transaction (its settings)."""
    def plan(cursor: Any, statement: str, parameters: Any) -> str | None:
        if "string_to_array" not in statement:
            return None
        cursor.execute("EXPLAIN " + statement, parameters)
        return "\n".join(row[0] for row in cursor.fetchall())
    return _probed(runtime, plan, **query)


@pytest.mark.postgres
@pytest.mark.parametrize("query", [{"q": "防災", "county": "TXG", "include_past": True},
                                   {"q": "教學", "county": "TXG"},
                                   {"lecturer": "陳", "county": "TPE", "include_past": True}])
def test_a_lookup_with_a_county_looks_the_county_up_as_a_term(pg_runtime, query) -> None:
    """Revision 0017: the county is a term of the GIN indexes, looked up with the keyword's
    through the expression the indexes are built over (as PostgreSQL prints both), not a
    column filter intersected with them. (Which index a plan reads depends on the
    catalogue's size: the national-scale benchmark shows it.)"""
    with pg_runtime.database.engine.connect() as connection:
        definitions = connection.execute(text(
            "SELECT indexdef FROM pg_indexes WHERE tablename = :table "
            "AND indexname LIKE 'ix_course_search_documents_terms%'"), {"table": DOCUMENTS}
        ).scalars().all()
    expressions = {definition.split("USING gin (", 1)[1].rsplit(")", 1)[0].split(") WHERE")[0]
                   for definition in definitions}
    assert len(definitions) == 7 and len(expressions) == 1, definitions  # whole, 5 shares, recent
    indexed = expressions.pop()
    county = f"'{{c:{query['county']}}}'"
    plans = _plans_of_lookups(pg_runtime, **query)
    assert plans, "the search looked no term up"
    for plan in plans:
        assert f"{indexed} @> {county}" in plan, (indexed, plan)
        assert "county_code)::text = " not in plan, plan
