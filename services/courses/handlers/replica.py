"""Keeping the unit replica from accounts events. Applied inside the consumer's
transaction (its inbox row commits with this), so each event counts once; an older
version arriving late never overwrites a newer one."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.events import Envelope
from servicekit.service import Runtime
from services.courses.adapters.orm import unit_replica


def apply_unit(session: Session, data: dict[str, Any], _envelope: Envelope) -> None:
    current = session.execute(select(unit_replica.c.version)
                              .where(unit_replica.c.code == data["unit_code"])).scalar()
    row = {"name": data["name"], "unit_type": data["unit_type"],
           "authority_code": data["authority_code"], "version": data["version"],
           "updated_at": datetime.now(timezone.utc)}
    if current is None:
        session.execute(unit_replica.insert().values(code=data["unit_code"], **row))
    elif current < data["version"]:
        session.execute(unit_replica.update().where(unit_replica.c.code == data["unit_code"])
                        .values(**row))


def find_unit(runtime: Runtime, code: str) -> dict[str, Any] | None:
    with runtime.database.session() as session:
        row = session.execute(select(unit_replica).where(unit_replica.c.code == code)).first()
    return dict(row._mapping) if row else None
