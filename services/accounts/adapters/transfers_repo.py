"""The record of teachers' moves between authorities."""
from __future__ import annotations

import uuid
from dataclasses import asdict

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from services.accounts.adapters.orm import teacher_transfers
from services.accounts.domain.transfers import Transfer


class TransferLog:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, transfers: list[Transfer]) -> None:
        if transfers:
            self.session.execute(insert(teacher_transfers), [asdict(t) for t in transfers])

    def of_teacher(self, account_id: uuid.UUID) -> list[Transfer]:
        """Oldest first."""
        rows = self.session.execute(
            select(*(teacher_transfers.c[name] for name in Transfer.__dataclass_fields__))
            .where(teacher_transfers.c.account_id == account_id)
            .order_by(teacher_transfers.c.transferred_at, teacher_transfers.c.since))
        return [Transfer(**row._mapping) for row in rows]
