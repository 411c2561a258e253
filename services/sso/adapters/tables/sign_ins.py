"""Sign-in attempts: the login records (R-ACC-4) and the lockout counters."""
from sqlalchemy import Column, Integer, String, Table

from servicekit.columns import UtcDateTime
from services.sso.adapters.tables import metadata
from services.sso.adapters.tables.column_types import ID

login_records = Table(
    "login_records", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False, index=True),
    # the account's login name, or ``hmac-sha256:<digest>`` of a name that is no
    # account's (handlers/sign_in_records.py): never a name as typed
    Column("login", String(160), nullable=False),
    Column("account_id", ID, index=True),
    Column("method", String(16), nullable=False),  # password, county_service, county_oidc, link
    Column("outcome", String(16), nullable=False),  # success, failure, locked
    Column("county_code", String(8)),
    Column("client_address", String(64)),
    Column("user_agent", String(200)),
)

# One counter per login name tried (existing or not: a locked answer must not tell which)
# and one per account (``account:<id>``). A name is keyed by its keyed digest, never as
# typed (handlers/sign_in_records.py).
login_throttle = Table(
    "login_throttle", metadata,
    Column("login_key", String(160), primary_key=True),
    Column("attempts", Integer, nullable=False),
    Column("window_started_at", UtcDateTime, nullable=False),
    Column("locked_until", UtcDateTime),
)
