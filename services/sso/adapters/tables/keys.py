"""Signing keys (R-SSO-1: JWKS with rotation); the private half sealed."""
from sqlalchemy import JSON, Column, Index, String, Table, Text, text

from servicekit.columns import UtcDateTime
from services.sso.adapters.tables import metadata

signing_keys = Table(
    "signing_keys", metadata,
    Column("kid", String(64), primary_key=True),
    Column("state", String(8), nullable=False),  # next, current, retired
    Column("public_jwk", JSON, nullable=False),
    Column("private_sealed", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("activated_at", UtcDateTime),
    Column("retired_at", UtcDateTime),
    Column("remove_after", UtcDateTime),
)
# At most one current and one next key, whatever several workers do at once.
Index("uq_signing_keys_live_state", signing_keys.c.state, unique=True,
      postgresql_where=text("state IN ('current', 'next')"),
      sqlite_where=text("state IN ('current', 'next')"))
