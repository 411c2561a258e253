"""Mappings of sources' files onto the format, and the uploaded files with their reports
(kept sealed, purged after the retention period).

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "source_mappings",
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("part", sa.String(16), nullable=False),
        sa.Column("table_name", sa.String(100), nullable=False),
        sa.Column("columns", sa.JSON, nullable=False),
        sa.Column("updated_by", sa.String(128), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["source"], ["sources.code"],
                                name=op.f("fk_source_mappings_source_sources")),
        sa.PrimaryKeyConstraint("source", "part", name=op.f("pk_source_mappings")),
    )
    op.create_table(
        "uploads",
        sa.Column("upload_id", sa.String(36), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rows_total", sa.Integer, nullable=False),
        sa.Column("rows_done", sa.Integer, nullable=False),
        sa.Column("counts", sa.JSON),
        sa.Column("error_count", sa.Integer, nullable=False),
        sa.Column("failure", sa.String(500)),
        sa.Column("sealed_file", sa.Text),
        sa.Column("sealed_report", sa.Text),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("purged_at", sa.DateTime(timezone=True)),
        sa.ForeignKeyConstraint(["source"], ["sources.code"],
                                name=op.f("fk_uploads_source_sources")),
        sa.PrimaryKeyConstraint("upload_id", name=op.f("pk_uploads")),
    )
    op.create_index(op.f("ix_uploads_source"), "uploads", ["source"])


def downgrade() -> None:
    op.drop_index(op.f("ix_uploads_source"), "uploads")
    op.drop_table("uploads")
    op.drop_table("source_mappings")
