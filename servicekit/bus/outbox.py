"""Recording events in the same transaction as the state they describe."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from servicekit.bus.tables import outbox
from servicekit.context import current_correlation_id, new_id
from servicekit.db import insert_rows
from servicekit.events import Catalogue, Envelope


class Outbox:
    def __init__(self, service: str, catalogue: Catalogue) -> None:
        self.service = service
        self.catalogue = catalogue

    def envelope(self, event_type: str, data: Mapping[str, Any]) -> Envelope:
        """Validated against the contract now, so a bad event fails the write that made it
        — and so does another producer's type (``Catalogue.check_recordable``)."""
        self.catalogue.check_recordable(self.service, event_type)
        return Envelope(type=event_type, source=self.service,
                        data=self.catalogue.validate_data(event_type, data),
                        correlation_id=current_correlation_id() or new_id())

    def record(self, session: Session, event_type: str, data: Mapping[str, Any]) -> Envelope:
        envelope = self.envelope(event_type, data)
        self.record_many(session, [envelope])
        return envelope

    def record_many(self, session: Session, envelopes: list[Envelope]) -> None:
        if not envelopes:
            return
        now = datetime.now(UTC)
        rows = [{"event_id": e.id, "event_type": e.type, "correlation_id": e.correlation_id,
                 "body": e.to_json().decode()} for e in envelopes]
        if len(rows) == 1:
            session.execute(insert(outbox), [{**rows[0], "recorded_at": now}])
            return
        # Many (a batch of records): one statement, the rows as one JSON document on
        # PostgreSQL (``insert_rows``), in the order given.
        statement, parameters = insert_rows(session.get_bind().dialect.name, outbox,
                                            ("event_id", "event_type", "correlation_id",
                                             "body"), shared=("recorded_at",))
        session.execute(statement, parameters(rows, recorded_at=now))
