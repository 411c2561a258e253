"""Telling past facts again, for a service that subscribes later (a backfill).

Each event keeps the moment its fact happened (the envelope's ``time``) and gets an id
derived from the fact itself (``stable_id``: a UUID 5 of the type and the fact's key), so
a second announcement of the same facts publishes the same ids: a consumer's inbox skips
them, and an id still in the outbox is not recorded again. The data is checked against
the contract, as ``Outbox.record`` does. Write a batch per transaction: a producer with
millions of rows announces them page by page, committing each."""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from servicekit.bus.outbox import Outbox
from servicekit.bus.tables import outbox as outbox_table
from servicekit.context import current_correlation_id, new_id
from servicekit.db import insert_rows
from servicekit.events import Envelope

# Fixed for ever: the ids of every announcement derive from it.
NAMESPACE = uuid.UUID("0b6f3c57-5e0a-4c39-9b51-7d0c2f4e8a21")


def stable_id(event_type: str, *key: str) -> str:
    """The id of the event telling the fact ``key`` (its table's key, in text)."""
    return str(uuid.uuid5(NAMESPACE, "\x1f".join((event_type, *key))))


class Announcement:
    """Events collected for one transaction, then ``write``-n into the outbox in order."""

    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox
        self._correlation_id = current_correlation_id() or new_id()
        self._pending: list[Envelope] = []

    def __len__(self) -> int:
        return len(self._pending)

    def add(self, event_type: str, data: Mapping[str, Any], at: datetime, *key: str) -> None:
        self._pending.append(replace(self._outbox.envelope(event_type, data),
                                     id=stable_id(event_type, *key), time=at,
                                     correlation_id=self._correlation_id))

    def take(self) -> list[Envelope]:
        """The events collected, in order, and forgets them (for a caller that hands them
        on itself)."""
        pending, self._pending = self._pending, []
        return pending

    def write(self, session: Session) -> int:
        """Records the events collected, in the order they were added, skipping any whose
        id the outbox holds already; returns how many were collected."""
        pending = self.take()
        if not pending:
            return 0
        dialect = session.get_bind().dialect.name
        statement, parameters = insert_rows(
            dialect, outbox_table, ("event_id", "event_type", "correlation_id", "body"),
            shared=("recorded_at",))
        session.execute(statement.on_conflict_do_nothing(index_elements=["event_id"]),
                        parameters([{"event_id": e.id, "event_type": e.type,
                                     "correlation_id": e.correlation_id,
                                     "body": e.to_json().decode()} for e in pending],
                                   recorded_at=datetime.now(UTC)))
        return len(pending)
