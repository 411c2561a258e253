"""Fakes for handler tests that run with no database and no broker (cosmicpython's
``FakeUnitOfWork``): a service's test subclasses ``FakeUnitOfWork`` and sets in-memory
repositories in ``open_repositories``; the events it records are checked against the
contract as the real outbox checks them, and kept only if the work commits."""
from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self

from servicekit.bus.outbox import Outbox
from servicekit.events import Catalogue, Envelope


class FakeUnitOfWork:
    def __init__(self, service: str, catalogue: Catalogue) -> None:
        self.outbox = Outbox(service, catalogue)
        self.events: list[Envelope] = []  # what committed work recorded, in order
        self.commits = 0
        self.rollbacks = 0
        self._pending: list[Envelope] | None = None
        self.open_repositories()

    def open_repositories(self) -> None:
        """Where a test's subclass makes its in-memory repositories (once: they outlive
        each ``with``, as the database does)."""

    def __enter__(self) -> Self:
        if self._pending is not None:
            raise RuntimeError("this unit of work is already open")
        self._pending = []
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        pending, self._pending = self._pending or [], None
        if kind is None:
            self.events.extend(pending)
            self.commits += 1
        else:
            self.rollbacks += 1

    def record(self, event_type: str, data: Mapping[str, Any]) -> Envelope:
        if self._pending is None:
            raise RuntimeError("an event is recorded inside a unit of work")
        envelope = self.outbox.envelope(event_type, data)
        self._pending.append(envelope)
        return envelope

    def record_many(self, envelopes: list[Envelope]) -> None:
        if self._pending is None:
            raise RuntimeError("an event is recorded inside a unit of work")
        self._pending.extend(envelopes)

    def recorded(self, event_type: str) -> list[dict[str, Any]]:
        """The data of each committed event of a type."""
        return [dict(e.data) for e in self.events if e.type == event_type]
