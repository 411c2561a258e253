"""Keeping the unit replica from accounts events. Applied inside the consumer's
transaction (its inbox row commits with this), so each event counts once; an older
version arriving late never overwrites a newer one."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.bus.consumer import batched
from servicekit.db import insert_for
from servicekit.events import Envelope
from servicekit.service import Runtime
from services.courses.adapters.orm import unit_replica


@batched
def apply_units(session: Session, events: list[tuple[dict[str, Any], Envelope]]) -> None:
    """One statement for a run of unit events; a row is written only when it is new or the
    event's version is newer than the one kept."""
    now = datetime.now(timezone.utc)
    rows = [{"code": data["unit_code"], "name": data["name"], "unit_type": data["unit_type"],
             "authority_code": data["authority_code"], "version": data["version"],
             "updated_at": now} for data, _envelope in events]
    statement = insert_for(session.get_bind().dialect.name, unit_replica)
    session.execute(statement.on_conflict_do_update(
        index_elements=[unit_replica.c.code],
        set_={column: statement.excluded[column]
              for column in ("name", "unit_type", "authority_code", "version", "updated_at")},
        where=unit_replica.c.version < statement.excluded.version), rows)


def find_unit(runtime: Runtime, code: str) -> dict[str, Any] | None:
    with runtime.database.session() as session:
        row = session.execute(select(unit_replica).where(unit_replica.c.code == code)).first()
    return dict(row._mapping) if row else None
