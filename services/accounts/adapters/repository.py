from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from services.accounts.adapters.orm import units
from services.accounts.domain.units import Unit


class UnitRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, code: str) -> Unit | None:
        row = self.session.execute(
            select(units.c.code, units.c.name, units.c.unit_type, units.c.authority_code,
                   units.c.version).where(units.c.code == code)).first()
        return Unit(*row) if row else None

    def add(self, unit: Unit) -> None:
        self.session.execute(insert(units).values(
            code=unit.code, name=unit.name, unit_type=unit.unit_type,
            authority_code=unit.authority_code, version=unit.version))
