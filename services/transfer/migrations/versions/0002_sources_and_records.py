"""Sources with their onboarding steps, and the records they report (courses, attendance).

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("owner_unit", sa.String(16), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_sources")),
    )
    op.create_index(op.f("ix_sources_owner_unit"), "sources", ["owner_unit"])
    op.create_table(
        "source_steps",
        sa.Column("id", SERIAL, autoincrement=True, nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("by", sa.String(128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reference", sa.String(100)),
        sa.ForeignKeyConstraint(["source"], ["sources.code"],
                                name=op.f("fk_source_steps_source_sources")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_steps")),
    )
    op.create_index(op.f("ix_source_steps_source"), "source_steps", ["source"])
    op.create_table(
        "transfer_courses",
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("course_key", sa.String(60), nullable=False),
        sa.Column("digest", sa.String(32), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("organiser_unit_code", sa.String(16), nullable=False),
        sa.Column("county_code", sa.String(3), nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("end_date", sa.Date, nullable=False),
        sa.Column("hours", sa.Numeric(5, 1), nullable=False),
        sa.Column("class_type", sa.String(32), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("lecturers", sa.JSON, nullable=False),
        sa.Column("trial", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("withdrawn_reason", sa.String(500)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", "course_key", name=op.f("pk_transfer_courses")),
    )
    op.create_table(
        "transfer_attendance",
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("course_key", sa.String(60), nullable=False),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("digest", sa.String(32), nullable=False),
        sa.Column("school_code", sa.String(16), nullable=False),
        sa.Column("hours", sa.Numeric(5, 1), nullable=False),
        sa.Column("completed_on", sa.Date, nullable=False),
        sa.Column("trial", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("withdrawn_reason", sa.String(500)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", "course_key", "account_id",
                                name=op.f("pk_transfer_attendance")),
    )
    op.create_index("ix_transfer_attendance_account_id", "transfer_attendance",
                    ["account_id"])


def downgrade() -> None:
    op.drop_index("ix_transfer_attendance_account_id", "transfer_attendance")
    op.drop_table("transfer_attendance")
    op.drop_table("transfer_courses")
    op.drop_index(op.f("ix_source_steps_source"), "source_steps")
    op.drop_table("source_steps")
    op.drop_index(op.f("ix_sources_owner_unit"), "sources")
    op.drop_table("sources")
