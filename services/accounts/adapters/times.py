"""Moments stored in UTC. SQLite keeps no offset: a value read back naive is UTC, and a
value with another offset must be converted before it is written."""
from __future__ import annotations

from datetime import UTC, datetime


def stored(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC)


def loaded(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
