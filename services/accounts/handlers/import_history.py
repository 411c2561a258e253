"""Reading the history of teacher imports (R-ACC-3): operators and admins see every
authority's, a reviewer its own authority's; another authority's import is not found.
Reports per row are kept ``IMPORT_REPORT_RETENTION_DAYS`` (400: a county can compare with
last year's); the summaries — who sent what, when, with which counts — stay."""
from __future__ import annotations

import json
import uuid
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from servicekit.service import Runtime
from servicekit.tokens import Principal
from services.accounts.adapters.import_history import ImportHistory, ImportRecord
from services.accounts.domain import dates
from services.accounts.handlers.scope import hidden, is_national, reviews_for

DEFAULT_RETENTION_DAYS = 400


def list_imports(runtime: Runtime, principal: Principal, limit: int = 100,
                 offset: int = 0) -> list[dict[str, Any]]:
    if not is_national(principal) and principal.authority is None:
        return []  # a reviewer's token without its authority reviews for nobody
    authority = None if is_national(principal) else principal.authority
    with runtime.database.session() as session:
        return [summary(record) for record in ImportHistory(session).list(authority, limit, offset)]


def import_report(runtime: Runtime, principal: Principal, import_id: uuid.UUID) -> bytes:
    """The summary and its rows as one JSON document, the stored rows spliced in as they
    are (parsing and re-encoding 100,000 rows would cost seconds for nothing)."""
    with runtime.database.session() as session:
        found = ImportHistory(session).get(import_id)
    if found is None or not (is_national(principal)
                             or reviews_for(principal, found[0].authority_code)):
        raise hidden(f"teacher import {import_id}")
    record, rows_json = found
    head = json.dumps(summary(record), ensure_ascii=False, default=str,
                      separators=(",", ":")).encode()
    return head[:-1] + b',"rows":' + (rows_json or b"[]") + b"}"


def summary(record: ImportRecord) -> dict[str, Any]:
    values = asdict(record)
    counts = {status: values.pop(status) for status in
              ("created", "updated", "unchanged", "rejected")}
    return {**values, "import_id": str(record.import_id),
            "imported_at": record.imported_at.isoformat(), "counts": counts}


def retention_days(runtime: Runtime) -> int:
    return runtime.settings.positive_int("IMPORT_REPORT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)


def tidy_reports(runtime: Runtime, days: int | None = None) -> dict[str, Any]:
    """Scheduled daily: the rows of reports older than the retention go; the summary stays."""
    days = days or retention_days(runtime)
    with runtime.database.session() as session:
        removed = ImportHistory(session).drop_reports_before(dates.now() - timedelta(days=days))
    return {"days": days, "reports_removed": removed}
