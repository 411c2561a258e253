"""The audit of one-time password links printed for an operator at the command line.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.create_table(
        "operator_links",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("issued_by", sa.String(128), nullable=False),
        sa.Column("os_user", sa.String(64), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_links")),
    )
    op.create_index(op.f("ix_operator_links_account_id"), "operator_links", ["account_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_operator_links_account_id"), "operator_links")
    op.drop_table("operator_links")
