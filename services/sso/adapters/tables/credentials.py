"""Passwords and what happens to them (R-SSO-7, R-ACC-4): the argon2 hashes, each change,
the one-time links to set one, the forgotten-password mails and the audit of links
printed for an operator."""
from sqlalchemy import Column, Integer, String, Table

from servicekit.columns import UtcDateTime
from services.sso.adapters.tables import metadata
from services.sso.adapters.tables.column_types import DIGEST, ID

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
