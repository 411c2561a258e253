"""Machine clients (the transfer service's sources) and their secrets with the span each
is in force: a handover is a secret ending and the next one starting at one moment."""
from sqlalchemy import Column, ForeignKey, Integer, String, Table

from servicekit.columns import UtcDateTime
from services.sso.adapters.tables import metadata
from services.sso.adapters.tables.column_types import DIGEST

machine_clients = Table(
    "machine_clients", metadata,
    Column("client_id", String(64), primary_key=True),
    Column("source", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(128), nullable=False),
)

machine_secrets = Table(
    "machine_secrets", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_id", String(64), ForeignKey("machine_clients.client_id"), nullable=False,
           index=True),
    Column("secret_hash", DIGEST, nullable=False),
    Column("maintainer", String(200), nullable=False),
    Column("valid_from", UtcDateTime, nullable=False),
    Column("valid_until", UtcDateTime),
    Column("issued_at", UtcDateTime, nullable=False),
    Column("issued_by", String(128), nullable=False),
)
