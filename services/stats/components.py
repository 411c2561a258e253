"""The stats service's own dependencies, built once per runtime (``runtime.components``)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from servicekit.service import Runtime
from services.stats.adapters.uow import StatsUnitOfWork


@dataclass(frozen=True)
class StatsComponents:
    uow: Callable[[], StatsUnitOfWork]  # a new unit of work per use case


def build(runtime: Runtime[StatsComponents]) -> StatsComponents:
    return StatsComponents(uow=lambda: StatsUnitOfWork(runtime.database, runtime.outbox))
