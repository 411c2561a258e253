"""Sign-in hardening: the queue of "forgot password" mails (sent after the answer), and no
typed name kept in clear.

* ``password_mails``: one row per forgotten-password request, sent by a background thread
  and retried by ``tidy-records``.
* ``login_records`` of a known account keep the account's own login name rather than the
  spelling typed. Records of names that are no account's are digested by the one-off
  command ``digest-login-records`` (it needs the ``PAIRWISE_KEY`` secret, which a
  migration does not read); until then, at the latest, ``tidy-records`` removes them
  after the retention period.
* ``login_throttle`` counters were keyed by the names as typed: they go. New counters are
  keyed by digests; a lock under way at the upgrade is lifted (counters last minutes).

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_table(
        "password_mails",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=True),
        sa.Column("purpose", sa.String(length=8), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("tried_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_mails")),
    )
    op.create_index(op.f("ix_password_mails_created_at"), "password_mails", ["created_at"])
    op.execute(
        "UPDATE login_records SET login = (SELECT r.login FROM account_replica r"
        " WHERE r.account_id = login_records.account_id)"
        " WHERE account_id IS NOT NULL AND EXISTS (SELECT 1 FROM account_replica r"
        " WHERE r.account_id = login_records.account_id)")
    op.execute("DELETE FROM login_throttle")


def downgrade() -> None:
    # Digested names cannot be given back; the counters start afresh either way.
    op.drop_index(op.f("ix_password_mails_created_at"), "password_mails")
    op.drop_table("password_mails")
