"""The authorization code flow: requests waiting for a sign-in, codes, grants and their
refresh tokens. Codes and refresh tokens are kept as SHA-256 digests."""
from sqlalchemy import JSON, Column, ForeignKey, String, Table

from servicekit.columns import UtcDateTime
from services.sso.adapters.tables import metadata
from services.sso.adapters.tables.column_types import DIGEST, ID

# Authorization requests waiting for the person to sign in.
authorization_requests = Table(
    "authorization_requests", metadata,
    Column("request_id", String(43), primary_key=True),
    Column("client_id", String(64), nullable=False),
    Column("parameters", JSON, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
)

authorization_codes = Table(
    "authorization_codes", metadata,
    Column("code_hash", DIGEST, primary_key=True),
    Column("client_id", String(64), nullable=False),
    Column("account_id", ID, nullable=False),
    Column("sid", String(43), nullable=False),
    Column("redirect_uri", String(500), nullable=False),
    Column("scope", String(500), nullable=False),
    Column("nonce", String(500)),
    Column("code_challenge", String(43), nullable=False),
    Column("auth_time", UtcDateTime, nullable=False),
    Column("amr", String(32), nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
    Column("redeemed_at", UtcDateTime),
    Column("grant_id", ID),  # what the redemption issued, revoked if the code comes again
)

grants = Table(
    "grants", metadata,
    Column("grant_id", ID, primary_key=True),
    Column("client_id", String(64), nullable=False, index=True),
    Column("account_id", ID, nullable=False, index=True),
    Column("sid", String(43), index=True),
    Column("scope", String(500), nullable=False),
    Column("auth_time", UtcDateTime, nullable=False),
    Column("amr", String(32), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
    Column("revoked_at", UtcDateTime),
    Column("revoked_reason", String(64)),
)

refresh_tokens = Table(
    "refresh_tokens", metadata,
    Column("token_hash", DIGEST, primary_key=True),
    Column("grant_id", ID, ForeignKey("grants.grant_id"), nullable=False, index=True),
    Column("issued_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
)
