"""Keeping the replica of accounts' units (``accounts.unit.registered/updated``): a
school's name and county, which the county export needs (R-TRF-9). Applied inside the
consumer's transaction (its inbox row commits with this), so each event counts once; an
older version arriving late never overwrites a newer one."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from servicekit.bus.consumer import batched
from servicekit.events import Envelope
from servicekit.replica import upsert_newer
from services.transfer.adapters.tables import unit_replica

Events = list[tuple[dict[str, Any], Envelope]]


@batched
def apply_units(session: Session, events: Events) -> None:
    upsert_newer(session, unit_replica, ["code"], [
        {"code": data["unit_code"], "name": data["name"], "county_code": data.get("county_code"),
         "version": data["version"]} for data, _envelope in events],
        shared={"updated_at": datetime.now(UTC)})
