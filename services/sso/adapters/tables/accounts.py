"""The replica of accounts (from accounts events only: handlers/replica.py), and the
accounts testing partners may sign in (R-SSO-2)."""
from sqlalchemy import Boolean, Column, Integer, String, Table

from servicekit.columns import UtcDateTime
from services.sso.adapters.tables import metadata
from services.sso.adapters.tables.column_types import ID

accounts = Table(
    "account_replica", metadata,
    Column("account_id", ID, primary_key=True),
    Column("login", String(64), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("display_name", String(100), nullable=False),
    Column("email", String(254)),
    Column("unit_code", String(32)),
    Column("authority_code", String(32)),
    Column("county_code", String(8)),
    Column("version", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

role_grants = Table(
    "role_grant_replica", metadata,
    Column("grant_id", ID, primary_key=True),
    Column("account_id", ID, nullable=False, index=True),
    Column("role", String(16), nullable=False),
    Column("unit_code", String(32)),
    Column("authority_code", String(32)),
    Column("active", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Accounts that testing partners may sign in (R-SSO-2: a test client, test accounts only).
test_accounts = Table(
    "test_accounts", metadata,
    Column("account_id", ID, primary_key=True),
    Column("added_by", String(64), nullable=False),
    Column("added_at", UtcDateTime, nullable=False),
)
