"""The courses database. Migrations in ``migrations/`` create exactly these tables."""
from sqlalchemy import Column, Date, Integer, String, Table

from servicekit.columns import UtcDateTime
from servicekit.db import new_metadata

metadata = new_metadata()

# What courses knows of accounts' units: applied from events, never written otherwise.
# ``authority_code`` is the supervising authority as of the unit's last event; a change
# dated later takes effect on its day through jurisdiction_change_replica.
unit_replica = Table(
    "unit_replica", metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("unit_type", String(64), nullable=False),
    Column("authority_code", String(32), nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("county_code", String(8), nullable=True),
)

# Every jurisdiction change announced, one per unit and date (a change is never edited).
jurisdiction_change_replica = Table(
    "jurisdiction_change_replica", metadata,
    Column("unit_code", String(32), primary_key=True),
    Column("effective_from", Date, primary_key=True),
    Column("from_authority_code", String(16), nullable=False),
    Column("to_authority_code", String(16), nullable=False),
    Column("reference", String(100), nullable=False),
    Column("version", Integer, nullable=False),
)

routing_rule_replica = Table(
    "routing_rule_replica", metadata,
    Column("rule_id", String(32), primary_key=True),
    Column("unit_type", String(64), nullable=False, index=True),
    Column("reviewer", String(32), nullable=False),
    Column("fixed_authority_code", String(16), nullable=True),
    Column("effective_from", Date, nullable=False),
    Column("version", Integer, nullable=False),
)
