"""The stored history of teacher imports. A report of 100,000 rows is about 8 MB of JSON
and a tenth of that compressed; the list answers with the counts alone. Reports are kept
for a retention period (``drop_reports_before``); the summaries stay."""
from __future__ import annotations

import uuid
import zlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from services.accounts.adapters.orm import teacher_imports
from services.accounts.adapters.times import loaded, stored

APPLIED, REFUSED = "applied", "refused"
_SUMMARY = [c for c in teacher_imports.c if c.name != "report"]
_REPORT_KEPT = teacher_imports.c.report.is_not(None).label("report_kept")


@dataclass(frozen=True)
class ImportRecord:
    import_id: uuid.UUID
    source: str  # "file" or "batch"
    filename: str | None
    content_sha256: str | None
    imported_by: str
    authority_code: str | None  # the authority a reviewer acted for; None: the network
    imported_at: datetime
    outcome: str
    problem: str | None
    created: int
    updated: int
    unchanged: int
    rejected: int
    report_kept: bool = True  # False: refused (no rows), or past its retention


def pack(report_json: bytes) -> bytes:
    """A report's JSON as it is stored; apart from ``add`` so that an import can pack it
    while the database is still busy with its rows (zlib lets other threads run)."""
    # Level 1: nearly the size of the best level at a fraction of its time.
    return zlib.compress(report_json, 1)


class ImportHistory:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, record: ImportRecord, report: bytes | None) -> None:
        """``report``: the rows' JSON as ``pack`` made it."""
        values = {c.name: getattr(record, c.name) for c in _SUMMARY}
        values["imported_at"] = stored(record.imported_at)
        values["report"] = report
        self.session.execute(insert(teacher_imports).values(**values))

    def list(self, authority_code: str | None, limit: int, offset: int) -> list[ImportRecord]:
        """Newest first; ``authority_code`` None lists every authority's."""
        query = select(*_SUMMARY, _REPORT_KEPT)
        if authority_code is not None:
            query = query.where(teacher_imports.c.authority_code == authority_code)
        rows = self.session.execute(query.order_by(teacher_imports.c.imported_at.desc(),
                                                   teacher_imports.c.import_id)
                                    .limit(limit).offset(offset))
        return [_record(row) for row in rows]

    def get(self, import_id: uuid.UUID) -> tuple[ImportRecord, bytes | None] | None:
        row = self.session.execute(select(*_SUMMARY, _REPORT_KEPT, teacher_imports.c.report)
                                   .where(teacher_imports.c.import_id == import_id)).first()
        if row is None:
            return None
        report = row.report
        return _record(row), None if report is None else zlib.decompress(report)


    def drop_reports_before(self, moment: datetime) -> int:
        """Removes the rows of reports received before ``moment``; returns how many."""
        return self.session.execute(
            update(teacher_imports).where(teacher_imports.c.imported_at < stored(moment),
                                          teacher_imports.c.report.is_not(None))
            .values(report=None)).rowcount


def _record(row) -> ImportRecord:  # type: ignore[no-untyped-def]
    values = {c.name: getattr(row, c.name) for c in _SUMMARY}
    return ImportRecord(**{**values, "imported_at": loaded(values["imported_at"]),
                           "report_kept": bool(row.report_kept)})
