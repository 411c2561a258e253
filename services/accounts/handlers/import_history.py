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

from servicekit.clock import Clock
from servicekit.settings import Settings
from servicekit.tokens import Principal
from services.accounts.adapters.import_history import ImportRecord
from services.accounts.adapters.unit_of_work import AccountsUnitOfWork
from services.accounts.handlers.scope import is_national, no_such, reviews_for

DEFAULT_RETENTION_DAYS = 400


def list_imports(uow: AccountsUnitOfWork, principal: Principal, limit: int = 100,
                 offset: int = 0) -> list[dict[str, Any]]:
    if not is_national(principal) and principal.authority is None:
        return []  # a reviewer's token without its authority reviews for nobody
    authority = None if is_national(principal) else principal.authority
    with uow:
        return [summary(record) for record in uow.imports.list(authority, limit, offset)]


def import_report(uow: AccountsUnitOfWork, principal: Principal, import_id: uuid.UUID) -> bytes:
    """The summary and its rows as one JSON document, the stored rows spliced in as they
    are (parsing and re-encoding 100,000 rows would cost seconds for nothing)."""
    with uow:
        found = uow.imports.get(import_id)
    if found is None or not (is_national(principal)
                             or reviews_for(principal, found[0].authority_code)):
        raise no_such(f"teacher import {import_id}")
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


def retention_days(settings: Settings) -> int:
    return settings.positive_int("IMPORT_REPORT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)


def tidy_reports(uow: AccountsUnitOfWork, clock: Clock, days: int) -> dict[str, Any]:
    """Scheduled daily: the rows of reports older than ``days`` (the retention,
    ``retention_days``) go; the summary stays."""
    with uow:
        removed = uow.imports.drop_reports_before(clock.now() - timedelta(days=days))
    return {"days": days, "reports_removed": removed}
