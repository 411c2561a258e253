"""Keeping the replica of accounts' units, jurisdiction changes and review routing rules
from accounts events. Applied inside the consumer's transaction (its inbox row commits
with this), so each event counts once; an older version arriving late never overwrites
a newer one, and a change already known is not written twice."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from servicekit.bus.consumer import batched
from servicekit.db import insert_for
from servicekit.events import Envelope
from servicekit.replica import upsert_newer
from services.courses.adapters.orm import (
    jurisdiction_change_replica,
    routing_rule_replica,
    teacher_replica,
    unit_replica,
)

Events = list[tuple[dict[str, Any], Envelope]]


@batched
def apply_units(session: Session, events: Events) -> None:
    """One statement for a run of unit events."""
    upsert_newer(session, unit_replica, ["code"], [
        {"code": data["unit_code"], "name": data["name"], "unit_type": data["unit_type"],
         "authority_code": data["authority_code"], "county_code": data.get("county_code"),
         "version": data["version"]} for data, _envelope in events],
        shared={"updated_at": datetime.now(UTC)})


@batched
def apply_jurisdiction_changes(session: Session, events: Events) -> None:
    rows = [{"unit_code": data["unit_code"], "effective_from": data["effective_from"],
             "from_authority_code": data["from_authority_code"],
             "to_authority_code": data["to_authority_code"],
             "reference": data["transfer_reference"], "version": data["version"]}
            for data, _envelope in events]
    statement = insert_for(session.get_bind().dialect.name, jurisdiction_change_replica)
    session.execute(statement.on_conflict_do_nothing(
        index_elements=[jurisdiction_change_replica.c.unit_code,
                        jurisdiction_change_replica.c.effective_from]), rows)


@batched
def apply_routing_rules(session: Session, events: Events) -> None:
    upsert_newer(session, routing_rule_replica, ["rule_id"], [
        {"rule_id": data["rule_id"], "unit_type": data["unit_type"], "reviewer": data["reviewer"],
         "fixed_authority_code": data.get("fixed_authority_code"),
         "effective_from": data["effective_from"], "version": data["version"]}
        for data, _envelope in events])


@batched
def apply_teachers(session: Session, events: Events) -> None:
    """Teachers (account events of kind teacher): name, e-mail, school, status."""
    rows = [{"account_id": str(data["account_id"]), "name": data["display_name"],
             "email": data.get("email"), "unit_code": data.get("unit_code"),
             "status": data["status"], "version": data["version"]}
            for data, _envelope in events if data["kind"] == "teacher"]
    if rows:
        upsert_newer(session, teacher_replica, ["account_id"], rows,
                     shared={"updated_at": datetime.now(UTC)})
