"""The enrolment unit of work: one transaction with the enrolment repository on it."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from servicekit.bus.outbox import Outbox
from servicekit.db import Database
from servicekit.uow import SqlUnitOfWork
from services.courses.adapters.enrolment_repo import SqlEnrolmentRepository


class EnrolmentUnitOfWork(SqlUnitOfWork):
    enrolments: SqlEnrolmentRepository

    def __init__(self, database: Database, outbox: Outbox,
                 on_mail: Callable[[list[int]], object] | None = None) -> None:
        super().__init__(database, outbox)
        self._on_mail = on_mail  # sends queued mail after the commit

    def open_repositories(self, session: Session) -> None:
        self.enrolments = SqlEnrolmentRepository(session, self._on_mail)
