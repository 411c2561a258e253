"""Reading the replica of accounts' units, their jurisdiction changes and the routing rules."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from contracts.review_routing import RoutingRule
from services.courses.adapters.orm import (
    jurisdiction_change_replica,
    routing_rule_replica,
    unit_replica,
)
from services.courses.domain.reviewers import JurisdictionChange


class ReplicaRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def unit(self, code: str) -> dict[str, Any] | None:
        row = self.session.execute(select(unit_replica).where(unit_replica.c.code == code)).first()
        return dict(row._mapping) if row else None

    def changes(self, unit_code: str) -> list[JurisdictionChange]:
        c = jurisdiction_change_replica.c
        return [JurisdictionChange(*row) for row in self.session.execute(
            select(c.effective_from, c.from_authority_code, c.to_authority_code)
            .where(c.unit_code == unit_code).order_by(c.effective_from))]

    def rules(self, unit_type: str) -> list[RoutingRule]:
        c = routing_rule_replica.c
        return [RoutingRule(*row) for row in self.session.execute(
            select(c.rule_id, c.unit_type, c.reviewer, c.fixed_authority_code, c.effective_from,
                   c.version)
            .where(c.unit_type == unit_type))]
