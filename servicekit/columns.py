"""Column types every service's tables share."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """A moment, stored as UTC and always read back as an aware UTC datetime.

    PostgreSQL keeps it as ``timestamptz``; SQLite keeps no zone, so the value is written
    as naive UTC and read back as UTC. A naive datetime is refused on the way in: which
    zone it meant cannot be known, and guessing would shift it silently. Its DDL is that of
    ``DateTime(timezone=True)``, so tables declared with it need no migration."""
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.utcoffset() is None:
            raise ValueError(f"a UTC column needs an aware datetime, not {value!r}")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
