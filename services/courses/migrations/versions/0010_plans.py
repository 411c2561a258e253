"""Planning (R-CRS-13): the school-based plan of each school per school year, and each
teacher's own plan; the teachers' replica indexed by school, for a school's summary of
its teachers' plans.

Revision ID: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    op.create_table(
        "school_plans",
        sa.Column("unit_code", sa.String(32), primary_key=True),
        sa.Column("school_year", sa.Integer, primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("content", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_by", sa.String(64), nullable=True),
    )
    op.create_index("ix_school_plans_year_status", "school_plans", ["school_year", "status"])
    op.create_table(
        "teacher_plans",
        sa.Column("account_id", sa.String(36), primary_key=True),
        sa.Column("school_year", sa.Integer, primary_key=True),
        sa.Column("unit_code", sa.String(32), nullable=False),
        sa.Column("content", sa.JSON, nullable=False),
        sa.Column("hours", sa.Numeric(7, 1), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_teacher_replica_unit_code", "teacher_replica", ["unit_code"])


def downgrade() -> None:
    op.drop_index("ix_teacher_replica_unit_code", table_name="teacher_replica")
    op.drop_table("teacher_plans")
    op.drop_index("ix_school_plans_year_status", table_name="school_plans")
    op.drop_table("school_plans")
