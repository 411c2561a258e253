"""Browser sessions, and the back-channel logout notices their end sends to partners."""
from sqlalchemy import Column, Integer, String, Table

from servicekit.columns import UtcDateTime
from services.sso.adapters.tables import metadata
from services.sso.adapters.tables.column_types import DIGEST, ID

browser_sessions = Table(
    "browser_sessions", metadata,
    Column("cookie_hash", DIGEST, primary_key=True),
    Column("sid", String(43), nullable=False, unique=True),  # the id token's ``sid``
    Column("account_id", ID, nullable=False, index=True),
    Column("method", String(16), nullable=False),
    Column("county_code", String(8)),
    Column("auth_time", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
    Column("ended_at", UtcDateTime),
)

# Back-channel logout notices waiting to be delivered (sent after the commit, retried by
# the scheduled housekeeping while they fail). The logout token is signed when sent: it
# lives two minutes, a retry an hour later needs a fresh one.
logout_deliveries = Table(
    "logout_deliveries", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_id", String(64), nullable=False),
    Column("uri", String(500), nullable=False),
    Column("subject", String(100), nullable=False),
    Column("sid", String(43)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("sent_at", UtcDateTime),
    Column("last_error", String(500)),
)
