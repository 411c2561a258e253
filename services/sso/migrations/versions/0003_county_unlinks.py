"""County links undone: who unlinked which teacher from which county identity, when, why.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "county_unlinks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("county_code", sa.String(length=8), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("linked_by", sa.String(length=100), nullable=False),
        sa.Column("unlinked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unlinked_by", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_county_unlinks")),
    )
    op.create_index(op.f("ix_county_unlinks_account_id"), "county_unlinks", ["account_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_county_unlinks_account_id"), "county_unlinks")
    op.drop_table("county_unlinks")
