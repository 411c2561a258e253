"""What the accounts service counts for the monitoring dashboards (docs/operations.md,
"Metrics"; deploy/grafana/platform.json), once the import's transaction has committed."""
from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import Counter

TEACHER_IMPORTS = Counter(
    "inservice_teacher_imports", "Teacher files and batches a county or the ministry sent, "
    "by source (file, batch) and outcome (applied; refused: the whole import, e.g. a file "
    "that cannot be read or over the limit)", ["source", "outcome"])
TEACHER_IMPORT_ROWS = Counter(
    "inservice_teacher_import_rows", "Rows of applied teacher imports, by status (created, "
    "updated, unchanged, rejected)", ["status"])


def count_import(source: str, outcome: str, rows: Mapping[str, int] | None = None) -> None:
    TEACHER_IMPORTS.labels(source, outcome).inc()
    for status, count in (rows or {}).items():
        TEACHER_IMPORT_ROWS.labels(status).inc(count)
