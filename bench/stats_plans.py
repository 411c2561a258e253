"""Part ``plans`` of scenario ``stats``: what each report's statements read, from their
plans (``EXPLAIN (ANALYZE, BUFFERS)``), at 1x and at 10x the history. A report's cost must
not grow with the history: its statements may read the figures through an index, as many
rows as the report shows, never the facts and never the whole figures table.

The statements are the ones the report runs (caught on their way to the driver), explained
again with the same parameters. For each report: the rows its scans read (returned, and
removed by a filter after the index), the pages it touched, and what breaks the rule, if
anything: a scan of ``facts``, a sequential scan of ``figures``, or index scans that throw
away more rows than they keep (an index that does not narrow to the report's rows)."""
from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

# The raw facts: a report never reads them. The figures: only through an index.
NEVER_READ = frozenset({"facts"})
INDEX_ONLY = frozenset({"figures"})


@contextmanager
def caught(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The SELECT statements run on ``engine`` meanwhile, with their parameters."""
    statements: list[tuple[str, Any]] = []

    def catch(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any,
              _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", catch)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", catch)


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def explain(engine: Engine, statements: list[tuple[str, Any]]) -> dict[str, Any]:
    """Rows read and pages touched by the statements, and what breaks the rule."""
    read = removed = pages = 0
    scans: set[str] = set()
    breaks: list[str] = []
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for statement, parameters in statements:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {statement}", parameters)
            (document,) = cursor.fetchall()[0]
            top = (json.loads(document) if isinstance(document, str) else document)[0]
            pages += top["Plan"].get("Shared Hit Blocks", 0) + top["Plan"].get(
                "Shared Read Blocks", 0)
            for node in _nodes(top["Plan"]):
                relation = node.get("Relation Name")
                if relation is None:
                    continue
                loops = node.get("Actual Loops", 1)
                kept = node.get("Actual Rows", 0) * loops
                dropped = (node.get("Rows Removed by Filter", 0)
                           + node.get("Rows Removed by Index Recheck", 0)) * loops
                read += kept
                removed += dropped
                scans.add(f"{node['Node Type']} on {relation}")
                if relation in NEVER_READ:
                    breaks.append(f"reads {relation}")
                if relation in INDEX_ONLY and node["Node Type"] == "Seq Scan":
                    breaks.append(f"a sequential scan of {relation}")
                if relation in INDEX_ONLY and dropped > max(kept, 100):
                    breaks.append(f"{node['Node Type']} on {relation} drops {dropped} rows "
                                  f"to keep {kept}")
        raw.rollback()
    finally:
        raw.close()
    return {"statements": len(statements), "rows_read": read, "rows_removed": removed,
            "pages": pages, "scans": sorted(scans), "breaks": breaks}
