"""Recording events in the same transaction as the state they describe."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from servicekit.bus.tables import outbox
from servicekit.context import current_correlation_id, new_id
from servicekit.events import Catalogue, Envelope


class Outbox:
    def __init__(self, service: str, catalogue: Catalogue) -> None:
        self.service = service
        self.catalogue = catalogue

    def envelope(self, event_type: str, data: Mapping[str, Any]) -> Envelope:
        """Validated against the contract now, so a bad event fails the write that made it."""
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
        session.execute(insert(outbox), [
            {"event_id": e.id, "event_type": e.type, "correlation_id": e.correlation_id,
             "body": e.to_json().decode(), "recorded_at": now}
            for e in envelopes
        ])
