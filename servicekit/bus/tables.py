"""The outbox and inbox tables, the same in every service's own database. Each service's
first migration creates them with ``create_messaging_tables``."""
from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, String, Table, Text, text

from servicekit.db import new_metadata

metadata = new_metadata()

# SQLite autoincrements only an INTEGER PRIMARY KEY.
_Position = BigInteger().with_variant(Integer(), "sqlite")

outbox = Table(
    "outbox", metadata,
    Column("position", _Position, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("event_type", String(128), nullable=False),
    Column("correlation_id", String(128), nullable=False),
    Column("body", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
)
# The relay only ever reads unsent rows in order; keep that index small.
Index("ix_outbox_unsent", outbox.c.position,
      postgresql_where=text("sent_at IS NULL"), sqlite_where=text("sent_at IS NULL"))

inbox = Table(
    "inbox", metadata,
    Column("consumer", String(128), primary_key=True),
    Column("event_id", String(36), primary_key=True),
    Column("event_type", String(128), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)


def create_messaging_tables(op) -> None:  # type: ignore[no-untyped-def]
    """Called from each service's first Alembic migration."""
    bind = op.get_bind()
    metadata.create_all(bind, tables=[outbox, inbox])


def drop_messaging_tables(op) -> None:  # type: ignore[no-untyped-def]
    metadata.drop_all(op.get_bind(), tables=[inbox, outbox])
