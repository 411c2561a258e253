"""Operators' exceptions to the freeze, one per source and course, with a reference.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_table(
        "freeze_exceptions",
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("course_key", sa.String(60), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("granted_by", sa.String(128), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["source"], ["sources.code"],
                                name=op.f("fk_freeze_exceptions_source_sources")),
        sa.PrimaryKeyConstraint("source", "course_key", name=op.f("pk_freeze_exceptions")),
    )


def downgrade() -> None:
    op.drop_table("freeze_exceptions")
