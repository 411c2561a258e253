"""Sources and their onboarding steps."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from servicekit.dml import rows_changed
from services.transfer.adapters.tables import (
    freeze_exceptions,
    sealed_years,
    source_steps,
    sources,
)
from services.transfer.domain.sources import Source, Step

# ``locked_for_records`` on PostgreSQL, built once: each batch runs it, and building it
# cost more than the server's answer.
_LOCKED_FOR_RECORDS = select(
    sources.c.code, sources.c.name, sources.c.owner_unit, sources.c.mode, sources.c.state,
    sources.c.version, sources.c.contact_email,
    select(func.array_agg(sealed_years.c.year)).scalar_subquery().label("sealed"),
).where(sources.c.code == bindparam("code")).with_for_update(of=sources)


class SourceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, code: str) -> Source | None:
        row = self.session.execute(select(sources).where(sources.c.code == code)).first()
        if row is None:
            return None
        steps = self.session.execute(select(source_steps).where(
            source_steps.c.source == code).order_by(source_steps.c.id)).all()
        return Source(row.code, row.name, row.owner_unit, row.mode, row.state,
                      tuple(Step(s.name, s.by, s.at, s.reference) for s in steps), row.version,
                      row.contact_email)

    def lock(self, code: str) -> None:
        """The source's row locked to the end of the transaction (PostgreSQL; SQLite has
        one writer at a time anyway)."""
        self.session.execute(select(sources.c.code).where(sources.c.code == code)
                             .with_for_update())

    def locked_for_records(self, code: str) -> tuple[Source, frozenset[int]] | None:
        """The source locked to the end of the transaction (as ``lock``) with what a batch
        of records needs to know: its state (without its steps) and the sealed years. On
        PostgreSQL one statement — a batch or a file's chunk pays it every time, where the
        source, its steps, the lock and the sealed years were four round trips."""
        if self.session.get_bind().dialect.name != "postgresql":
            found = self.get(code)
            if found is None:
                return None
            self.lock(code)
            years = self.session.execute(select(sealed_years.c.year)).scalars()
            return found, frozenset(years)
        row = self.session.execute(_LOCKED_FOR_RECORDS, {"code": code}).first()
        if row is None:
            return None
        return (Source(row.code, row.name, row.owner_unit, row.mode, row.state, (), row.version,
                       row.contact_email), frozenset(row.sealed or ()))

    def codes(self, owner_unit: str | None = None) -> list[str]:
        query = select(sources.c.code).order_by(sources.c.code)
        if owner_unit is not None:
            query = query.where(sources.c.owner_unit == owner_unit)
        return list(self.session.execute(query).scalars())

    def add(self, source: Source, at: datetime) -> None:
        self.session.execute(insert(sources).values(
            code=source.code, name=source.name, owner_unit=source.owner_unit,
            mode=source.mode, state=source.state, version=source.version, created_at=at,
            contact_email=source.contact_email))

    def set_contact(self, code: str, email: str | None) -> None:
        self.session.execute(update(sources).where(sources.c.code == code)
                             .values(contact_email=email))

    def save(self, before: Source, after: Source) -> bool:
        """False when someone else changed the source meanwhile; new steps are appended."""
        result = self.session.execute(update(sources).where(
            sources.c.code == before.code, sources.c.version == before.version)
            .values(state=after.state, version=after.version))
        if rows_changed(result) != 1:
            return False
        for step in after.steps[len(before.steps):]:
            self.session.execute(insert(source_steps).values(
                source=after.code, name=step.name, by=step.by, at=step.at,
                reference=step.reference))
        return True


class FreezeExceptions:
    def __init__(self, session: Session) -> None:
        self.session = session

    def keys(self, source: str) -> frozenset[str]:
        return frozenset(self.session.execute(select(freeze_exceptions.c.course_key).where(
            freeze_exceptions.c.source == source)).scalars())

    def grant(self, source: str, course_key: str, reference: str, by: str,
              at: datetime) -> bool:
        """False when the course has an exception already."""
        if course_key in self.keys(source):
            return False
        self.session.execute(insert(freeze_exceptions).values(
            source=source, course_key=course_key, reference=reference, granted_by=by,
            granted_at=at))
        return True
