"""Clients and partner sites (R-SSO-2, R-SSO-3), with each partner's status history."""
from sqlalchemy import JSON, Column, Date, ForeignKey, Integer, String, Table

from servicekit.columns import UtcDateTime
from services.sso.adapters.tables import metadata
from services.sso.adapters.tables.column_types import DIGEST

clients = Table(
    "clients", metadata,
    Column("client_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("organisation", String(200)),
    Column("kind", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("redirect_uris", JSON, nullable=False),
    Column("post_logout_redirect_uris", JSON, nullable=False),
    Column("backchannel_logout_uri", String(500)),
    Column("sector_identifier_uri", String(500)),
    Column("sector", String(255), nullable=False),
    Column("contacts", JSON, nullable=False),
    Column("allowed_scopes", JSON, nullable=False),
    Column("auth_method", String(32), nullable=False),
    Column("secret_hash", DIGEST),
    Column("approval_reference", String(100)),
    Column("approved_on", Date),
    Column("disabled_on", Date),
    Column("disabled_reason", String(500)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
)

client_history = Table(
    "client_history", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_id", String(64), ForeignKey("clients.client_id"), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("by", String(64), nullable=False),
    Column("note", String(500)),
)
