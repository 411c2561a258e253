"""What courses can say of a unit from its replica: the unit, and who reviews its courses
on a day (R-ORG-3, R-ORG-4) — the answer the course review will route by."""
from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from servicekit.errors import NotFound
from servicekit.service import Runtime
from services.courses.adapters.replica_repo import ReplicaRepository
from services.courses.domain.reviewers import reviewer_on


def find_unit(runtime: Runtime, code: str) -> dict[str, Any] | None:
    with runtime.database.session() as session:
        return ReplicaRepository(session).unit(code)


def reviewer(runtime: Runtime, code: str, day: date) -> dict[str, Any]:
    with runtime.database.session() as session:
        replica = ReplicaRepository(session)
        unit = replica.unit(code)
        if unit is None:
            raise NotFound(f"no unit {code}")
        answer = reviewer_on(unit["unit_type"], unit["county_code"], unit["authority_code"],
                             replica.changes(code), replica.rules(unit["unit_type"]), day)
    return {"unit_code": code, "on": day, **asdict(answer)}
