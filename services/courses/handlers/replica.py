"""Keeping the replica of accounts' units, jurisdiction changes and review routing rules
from accounts events. Applied inside the consumer's transaction (its inbox row commits
with this), so each event counts once; an older version arriving late never overwrites
a newer one, and a change already known is not written twice."""
from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from servicekit.bus.consumer import batched
from servicekit.db import insert_for, insert_rows
from servicekit.events import Envelope
from services.courses.adapters.orm import (
    jurisdiction_change_replica,
    routing_rule_replica,
    unit_replica,
)

Events = list[tuple[dict[str, Any], Envelope]]


@batched
def apply_units(session: Session, events: Events) -> None:
    """One statement for a run of unit events."""
    _upsert_newer(session, unit_replica, "code", [
        {"code": data["unit_code"], "name": data["name"], "unit_type": data["unit_type"],
         "authority_code": data["authority_code"], "county_code": data.get("county_code"),
         "version": data["version"]} for data, _envelope in events],
        updated_at=datetime.now(UTC))


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
    _upsert_newer(session, routing_rule_replica, "rule_id", [
        {"rule_id": data["rule_id"], "unit_type": data["unit_type"], "reviewer": data["reviewer"],
         "fixed_authority_code": data.get("fixed_authority_code"),
         "effective_from": data["effective_from"], "version": data["version"]}
        for data, _envelope in events])


def _upsert_newer(session: Session, table: Table, key: str, rows: list[dict[str, Any]],
                  **shared: Any) -> None:
    """One statement for the run. It may touch each key only once, so of several events of
    one key only the one applying them in order would leave is written: the first of the
    highest version (a later one of the same version does not overwrite it)."""
    newest: dict[Any, dict[str, Any]] = {}
    for row in rows:
        kept = newest.get(row[key])
        if kept is None or kept["version"] < row["version"]:
            newest[row[key]] = row
    statement, parameters = _upsert_statement(session.get_bind().dialect.name, table, key,
                                              tuple(rows[0]), tuple(shared))
    session.execute(statement, parameters(list(newest.values()), **shared))


@functools.cache
def _upsert_statement(dialect: str, table: Table, key: str, columns: tuple[str, ...],
                      shared: tuple[str, ...]) -> tuple[Any, Callable[..., Any]]:
    statement, parameters = insert_rows(dialect, table, columns, shared)
    return statement.on_conflict_do_update(
        index_elements=[table.c[key]],
        set_={column: statement.excluded[column] for column in (*columns, *shared)
              if column != key},
        where=table.c.version < statement.excluded.version), parameters
