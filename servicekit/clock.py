"""The one clock a service reads. Handlers take it as a dependency (the runtime holds a
``SystemClock``); a test hands them a ``FixedClock`` and moves it, instead of patching a
module's ``now``."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware UTC moment."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """Stands still until told: ``advance`` or ``set``."""

    def __init__(self, moment: datetime | None = None) -> None:
        self.moment = moment or datetime.now(UTC)
        if self.moment.tzinfo is None:
            raise ValueError("a clock keeps aware moments")

    def now(self) -> datetime:
        return self.moment

    def advance(self, delta: timedelta | None = None, **parts: float) -> datetime:
        self.moment += delta if delta is not None else timedelta(**parts)
        return self.moment

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("a clock keeps aware moments")
        self.moment = moment
