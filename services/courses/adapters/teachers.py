"""Teachers' names and e-mail addresses, read from the replica of accounts' teachers
(``teacher_replica``: account id, name, e-mail, school, status), which the course
registration part keeps from accounts' events."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.courses.adapters.orm import teacher_replica


@dataclass(frozen=True)
class Teacher:
    account_id: str
    name: str
    email: str | None
    status: str


class TeacherDirectory:
    def __init__(self, session: Session) -> None:
        self.session = session

    def teacher(self, account_id: str) -> Teacher | None:
        t = teacher_replica.c
        row = self.session.execute(select(t.account_id, t.name, t.email, t.status)
                                   .where(t.account_id == account_id)).first()
        return Teacher(row.account_id, row.name or "", row.email, row.status or "") \
            if row else None

    def names_and_schools(self, account_ids: list[str]) -> dict[str, tuple[str, str | None]]:
        """Name and school of each teacher the replica knows, for the lists that call the
        roll by name (the replica holds no national ID)."""
        t = teacher_replica.c
        found: dict[str, tuple[str, str | None]] = {}
        for start in range(0, len(account_ids), 1000):  # bounded IN lists
            for row in self.session.execute(select(t.account_id, t.name, t.unit_code).where(
                    t.account_id.in_(account_ids[start:start + 1000]))):
                found[row.account_id] = (row.name, row.unit_code)
        return found
