"""The audit of the first-operator command.

Revision ID: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"

_Serial = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "operator_bootstraps",
        sa.Column("id", _Serial, primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.Uuid, sa.ForeignKey("accounts.account_id"), nullable=True),
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("run_by", sa.String(128), nullable=False),
        sa.Column("os_user", sa.String(64), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("another", sa.Boolean, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("operator_bootstraps")
