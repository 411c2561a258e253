"""A unit of work: one transaction, the repositories that read and write in it, and the
events it records, which commit with the state they describe (the outbox).

A service subclasses ``SqlUnitOfWork`` and opens its repositories on the session in
``open_repositories``; a handler takes the unit of work (and a clock, a mailer…) rather
than the whole runtime, so a test can hand it a fake with in-memory repositories
(``servicekit.testing.fakes.FakeUnitOfWork``) and run with no database.

    with uow:                       # begins
        course = uow.courses.get(course_id)
        uow.record(COURSE_SUBMITTED, {...})
                                    # commits on leaving, or rolls back on an error
"""
from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any, Protocol, Self

from sqlalchemy.orm import Session

from servicekit.bus.outbox import Outbox
from servicekit.db import Database
from servicekit.events import Envelope


class UnitOfWork(Protocol):
    def __enter__(self) -> Self: ...

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None: ...

    def record(self, event_type: str, data: Mapping[str, Any]) -> Envelope: ...


class SqlUnitOfWork:
    """Single use per ``with``; nested ``with`` on the same object is refused."""

    session: Session

    def __init__(self, database: Database, outbox: Outbox) -> None:
        self.database = database
        self.outbox = outbox
        self._transaction: Any = None

    def open_repositories(self, session: Session) -> None:
        """Where a service's subclass makes its repositories on this transaction's session."""

    def __enter__(self) -> Self:
        if self._transaction is not None:
            raise RuntimeError("this unit of work is already open")
        self._transaction = self.database.session()
        self.session = self._transaction.__enter__()
        self.open_repositories(self.session)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        transaction, self._transaction = self._transaction, None
        transaction.__exit__(kind, error, trace)  # commits, or rolls back on an error

    def record(self, event_type: str, data: Mapping[str, Any]) -> Envelope:
        """Checked against the contract now; published after commit by the relay."""
        return self.outbox.record(self.session, event_type, data)

    def record_many(self, envelopes: list[Envelope]) -> None:
        self.outbox.record_many(self.session, envelopes)
