"""Maintenance notices (R-SSO-6) and their delivery to each partner."""
from sqlalchemy import JSON, Column, ForeignKey, Integer, String, Table, Text

from servicekit.columns import UtcDateTime
from services.sso.adapters.tables import metadata
from services.sso.adapters.tables.column_types import ID

maintenance_notices = Table(
    "maintenance_notices", metadata,
    Column("notice_id", ID, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False, index=True),
    Column("created_by", String(64), nullable=False),
)

notice_deliveries = Table(
    "notice_deliveries", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("notice_id", ID, ForeignKey("maintenance_notices.notice_id"), nullable=False,
           index=True),
    Column("client_id", String(64), nullable=False),
    Column("recipients", JSON, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("sent_at", UtcDateTime),
    Column("last_error", String(500)),
)
