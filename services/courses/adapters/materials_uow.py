"""The unit of work of digital-material and distance course review (R-CRS-14): one
transaction with the cases and the units' replica (who may submit)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from servicekit.uow import SqlUnitOfWork
from services.courses.adapters.materials_repo import MaterialRepository
from services.courses.adapters.replica_repo import ReplicaRepository


class MaterialsUnitOfWork(SqlUnitOfWork):
    materials: MaterialRepository
    units: ReplicaRepository

    def open_repositories(self, session: Session) -> None:
        self.materials = MaterialRepository(session)
        self.units = ReplicaRepository(session)
