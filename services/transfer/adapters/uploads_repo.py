"""Sources' mappings, and the uploaded files with their progress and sealed contents."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from servicekit.dml import rows_changed
from services.transfer.adapters.tables import source_mappings, uploads
from services.transfer.domain.mapping import PartMapping

_PUBLIC = [c for c in uploads.c if c.name not in ("sealed_file", "sealed_report")]


class MappingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def of(self, source: str) -> dict[str, PartMapping]:
        rows = self.session.execute(select(source_mappings).where(
            source_mappings.c.source == source)).all()
        return {r.part: PartMapping(r.part, r.table_name, dict(r.columns)) for r in rows}

    def put(self, source: str, mapping: PartMapping, by: str, at: datetime) -> None:
        self.session.execute(delete(source_mappings).where(
            source_mappings.c.source == source, source_mappings.c.part == mapping.part))
        self.session.execute(insert(source_mappings).values(
            source=source, part=mapping.part, table_name=mapping.table,
            columns=mapping.columns, updated_by=by, updated_at=at))


class UploadRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, upload_id: str, source: str, filename: str, sealed_file: str,
            rows_total: int, by: str, at: datetime) -> None:
        self.session.execute(insert(uploads).values(
            upload_id=upload_id, source=source, filename=filename, status="queued",
            rows_total=rows_total, rows_done=0, error_count=0, sealed_file=sealed_file,
            created_by=by, created_at=at))

    def get(self, upload_id: str) -> dict[str, Any] | None:
        row = self.session.execute(select(*_PUBLIC).where(
            uploads.c.upload_id == upload_id)).first()
        return dict(row._mapping) if row else None

    def of_source(self, source: str, limit: int) -> list[dict[str, Any]]:
        """The source's latest uploads, newest first."""
        rows = self.session.execute(select(*_PUBLIC).where(uploads.c.source == source)
                                    .order_by(uploads.c.created_at.desc(),
                                              uploads.c.upload_id).limit(limit))
        return [dict(row._mapping) for row in rows]

    def sealed(self, upload_id: str, column: str) -> str | None:
        return self.session.execute(select(uploads.c[column]).where(
            uploads.c.upload_id == upload_id)).scalar_one_or_none()

    def progress(self, upload_id: str, **values: Any) -> None:
        self.session.execute(update(uploads).where(uploads.c.upload_id == upload_id)
                             .values(**values))

    def unfinished_before(self, moment: datetime) -> list[dict[str, Any]]:
        rows = self.session.execute(select(*_PUBLIC).where(
            uploads.c.status.in_(("queued", "processing")), uploads.c.created_at < moment)
            .order_by(uploads.c.created_at))
        return [dict(row._mapping) for row in rows]

    def purge_before(self, moment: datetime, at: datetime) -> int:
        """Drops the sealed file and report of every upload made before ``moment``."""
        result = self.session.execute(update(uploads).where(
            uploads.c.created_at < moment, uploads.c.purged_at.is_(None))
            .values(sealed_file=None, sealed_report=None, purged_at=at))
        return rows_changed(result)
