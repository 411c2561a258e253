"""Moments stored in UTC. SQLite keeps no offset: a value read back naive is UTC, and a
value with another offset must be converted before it is written."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import overload

# Overloaded so a moment that cannot be None (a NOT NULL column) stays a datetime.


@overload
def stored(moment: datetime) -> datetime: ...
@overload
def stored(moment: None) -> None: ...
@overload
def stored(moment: datetime | None) -> datetime | None: ...
def stored(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC)


@overload
def loaded(moment: datetime) -> datetime: ...
@overload
def loaded(moment: None) -> None: ...
@overload
def loaded(moment: datetime | None) -> datetime | None: ...
def loaded(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
