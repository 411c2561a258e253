"""The accounts database. Migrations in ``migrations/`` create exactly these tables."""
from sqlalchemy import Column, DateTime, Integer, String, Table, func

from servicekit.db import new_metadata

metadata = new_metadata()

units = Table(
    "units", metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("unit_type", String(64), nullable=False),
    Column("authority_code", String(32), nullable=False),
    Column("version", Integer, nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
