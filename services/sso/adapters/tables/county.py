"""County roaming in (R-SSO-4, R-SSO-5): the connectors, the links of county identities to
accounts (and the links undone), identities waiting for a link, and sign-ins under way
at a county's own OpenID provider."""
from sqlalchemy import JSON, Boolean, Column, Integer, String, Table, Text, UniqueConstraint

from servicekit.columns import UtcDateTime
from services.sso.adapters.tables import metadata
from services.sso.adapters.tables.column_types import DIGEST, ID

county_connectors = Table(
    "county_connectors", metadata,
    Column("county_code", String(8), primary_key=True),
    Column("mode", String(16), nullable=False),  # web_service, oidc
    Column("display_name", String(100), nullable=False),
    Column("config", JSON, nullable=False),
    Column("secret_sealed", Text),
    Column("enabled", Boolean, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

county_links = Table(
    "county_links", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("county_code", String(8), nullable=False),
    Column("county_subject", String(255), nullable=False),
    Column("account_id", ID, nullable=False, index=True),
    Column("linked_at", UtcDateTime, nullable=False),
    Column("linked_by", String(100), nullable=False),  # how the teacher confirmed it
    Column("profile_digest", DIGEST),
    Column("proposed_by", String(100)),  # the reviewer whose match the teacher confirmed
    UniqueConstraint("county_code", "county_subject", name="uq_county_links_subject"),
    UniqueConstraint("county_code", "account_id", name="uq_county_links_account"),
)

# Links undone (a wrong match, a teacher's own wish): the link as it was, and who undid it
# when and why. The county subject is not kept: the link row held only its digest anyway.
county_unlinks = Table(
    "county_unlinks", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("link_id", Integer, nullable=False),
    Column("county_code", String(8), nullable=False),
    Column("account_id", ID, nullable=False, index=True),
    Column("linked_at", UtcDateTime, nullable=False),
    Column("linked_by", String(100), nullable=False),
    Column("unlinked_at", UtcDateTime, nullable=False),
    Column("unlinked_by", String(100), nullable=False),
    Column("reason", String(500), nullable=False),
    Column("proposed_by", String(100)),
)

# A county identity that arrived without a link: the browser that brought it may confirm
# it with the teacher's platform password; a reviewer of that county may propose a teacher,
# who confirms the proposal with their password (at the next county sign-in, or signed in).
county_arrivals = Table(
    "county_arrivals", metadata,
    Column("arrival_id", String(43), primary_key=True),
    Column("browser_hash", DIGEST, nullable=False),
    Column("county_code", String(8), nullable=False, index=True),
    Column("county_subject", String(255), nullable=False),
    Column("method", String(16), nullable=False),
    Column("profile", JSON, nullable=False),
    Column("request_id", String(43)),
    Column("status", String(16), nullable=False),  # pending, proposed, linked, rejected
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("decided_by", String(64)),
    Column("proposed_account_id", ID),
    Column("proposed_by", String(100)),
    Column("proposed_at", UtcDateTime),
)

upstream_logins = Table(
    "upstream_logins", metadata,
    Column("state_hash", DIGEST, primary_key=True),
    Column("county_code", String(8), nullable=False),
    Column("nonce", String(64), nullable=False),
    Column("code_verifier", String(128), nullable=False),
    Column("request_id", String(43)),
    Column("expires_at", UtcDateTime, nullable=False),
)
