"""The sso database. ``migrations/versions/0002_sign_on.py`` creates exactly these tables.

Secrets are never stored as given: passwords as argon2 hashes, codes, refresh tokens,
session cookies and client secrets as SHA-256 digests (they are long random values),
signing keys and county credentials sealed with the key-encryption key.
"""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from servicekit.db import new_metadata

metadata = new_metadata()


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on PostgreSQL (timestamptz) and on SQLite (which
    keeps no zone: values are stored as UTC and read back as UTC)."""
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def utcnow() -> datetime:
    return datetime.now(UTC)


ID = String(36)
DIGEST = String(64)  # SHA-256, hex

# -- replica of accounts (from accounts events only) -----------------------------------
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

# -- credentials and their records (R-SSO-7, R-ACC-4) -----------------------------------
credentials = Table(
    "credentials", metadata,
    Column("account_id", ID, primary_key=True),
    Column("password_hash", String(255), nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
)

password_changes = Table(
    "password_changes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", ID, nullable=False, index=True),
    Column("changed_at", UtcDateTime, nullable=False, index=True),
    Column("method", String(16), nullable=False),  # self, demo-seed, setup
    Column("client_address", String(64)),
)

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

# One-time links to set a password: the first one for an account made in the accounts
# service, or a new one when it is forgotten. Only the link's digest is kept.
password_setups = Table(
    "password_setups", metadata,
    Column("token_hash", DIGEST, primary_key=True),
    Column("account_id", ID, nullable=False, index=True),
    Column("purpose", String(8), nullable=False),  # setup, reset
    Column("requested_by", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
    Column("used_at", UtcDateTime),
)

# "Forgot password" mails waiting to go out (handlers/password_mails.py): one row per
# request whether or not the name is an account's (``account_id`` empty when not), so the
# answer takes the same work either way; the link is made when the mail is sent.
password_mails = Table(
    "password_mails", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", ID),
    Column("purpose", String(8), nullable=False),  # reset
    Column("requested_by", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False, index=True),
    Column("attempts", Integer, nullable=False),
    Column("tried_at", UtcDateTime),
    Column("done_at", UtcDateTime),
    Column("outcome", String(16)),  # sent, no-account, disabled, no-address
    Column("last_error", String(500)),
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

# -- signing keys (R-SSO-1: JWKS with rotation) ------------------------------------------
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

# -- clients and partner sites (R-SSO-2, R-SSO-3) ---------------------------------------
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

# -- browser sessions, authorization, grants and tokens ----------------------------------
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

# -- county roaming in (R-SSO-4, R-SSO-5) -------------------------------------------------
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

# -- maintenance notices (R-SSO-6) --------------------------------------------------------
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

# The audit of one-time password links printed for an operator at the command line
# (``operator-setup-link``): for which account, by whom, where, when, until when. The
# link itself is a ``password_setups`` row (tidied once expired); this row stays.
operator_links = Table(
    "operator_links", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", ID, nullable=False, index=True),
    Column("login", String(64), nullable=False),
    Column("issued_by", String(128), nullable=False),  # --by, else the OS user
    Column("os_user", String(64), nullable=False),
    Column("host", String(255), nullable=False),
    Column("issued_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)
