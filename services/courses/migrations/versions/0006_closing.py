"""Closing a course and what follows it (R-CRS-5…7, R-CRS-11): attendee lists and their
reviews, amendments to closed courses with
their routing table and audit, each unit's traffic light, and the teachers' transcripts.

Revision ID: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"

# Who approves amendments (the seed's 修改已結案課程內容申請流程).
ROUTES = [("national", "network"), ("county", "county"), ("legal_entity", "MOE-LEGAL")]


def upgrade() -> None:
    # ``attendance_submitted`` and ``attendance_returned`` are longer than 16 characters.
    with op.batch_alter_table("courses") as courses:
        courses.alter_column("status", type_=sa.String(24), existing_type=sa.String(16),
                             existing_nullable=False)
    op.create_table(
        "attendees",
        sa.Column("course_id", sa.String(36), sa.ForeignKey("courses.course_id"),
                  primary_key=True),
        sa.Column("account_id", sa.String(36), primary_key=True),
        sa.Column("hours", sa.Numeric(5, 1), nullable=False),
        sa.Column("walk_in", sa.Boolean, nullable=False),
        sa.CheckConstraint("hours > 0", name="ck_attendees_hours_positive"),
    )
    op.create_table(
        "course_closing",
        sa.Column("course_id", sa.String(36), sa.ForeignKey("courses.course_id"),
                  primary_key=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_by", sa.String(36), nullable=False),
        sa.Column("late", sa.Boolean, nullable=False),
    )
    op.create_table(
        "attendance_reviews",
        sa.Column("review_id", sa.String(36), primary_key=True),
        sa.Column("course_id", sa.String(36), sa.ForeignKey("courses.course_id"),
                  nullable=False, index=True),
        sa.Column("decision", sa.String(8), nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("comment", sa.String(1000), nullable=True),
        sa.Column("reviewer_account_id", sa.String(36), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    )
    routes = op.create_table(
        "amendment_routes",
        sa.Column("category", sa.String(16), primary_key=True),
        sa.Column("approver", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(36), nullable=False),
    )
    from datetime import UTC, datetime
    op.bulk_insert(routes, [{"category": category, "approver": approver,
                             "updated_at": datetime(2026, 1, 1, tzinfo=UTC),
                             "updated_by": "migration"} for category, approver in ROUTES])
    op.create_table(
        "amendments",
        sa.Column("amendment_id", sa.String(36), primary_key=True),
        sa.Column("course_id", sa.String(36), sa.ForeignKey("courses.course_id"),
                  nullable=False, index=True),
        sa.Column("unit_code", sa.String(32), nullable=False),
        sa.Column("changes", sa.JSON, nullable=False),
        sa.Column("previous", sa.JSON, nullable=False),
        sa.Column("reason", sa.String(1000), nullable=False),
        sa.Column("requested_by", sa.String(36), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approver_authority_code", sa.String(32), nullable=False),
        sa.Column("batch_month", sa.String(7), nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(36), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reference", sa.String(100), nullable=True),
        sa.Column("comment", sa.String(1000), nullable=True),
    )
    op.create_index("ix_amendments_batch", "amendments",
                    ["approver_authority_code", "batch_month"])
    op.create_table(
        "course_audit",
        sa.Column("audit_id", sa.String(36), primary_key=True),
        sa.Column("course_id", sa.String(36), sa.ForeignKey("courses.course_id"),
                  nullable=False, index=True),
        sa.Column("amendment_id", sa.String(36), sa.ForeignKey("amendments.amendment_id"),
                  nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("old_value", sa.JSON, nullable=True),
        sa.Column("new_value", sa.JSON, nullable=True),
        sa.Column("changed_by", sa.String(36), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
    )
    op.create_table(
        "unit_lights",
        sa.Column("unit_code", sa.String(32), primary_key=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("overdue", sa.Integer, nullable=False),
        sa.Column("light", sa.String(8), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "transcript_entries",
        sa.Column("source", sa.String(32), primary_key=True),
        sa.Column("record_key", sa.String(100), primary_key=True),
        sa.Column("account_id", sa.String(36), nullable=False, index=True),
        sa.Column("hours", sa.Numeric(6, 1), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("organiser", sa.String(200), nullable=False),
        sa.Column("starts_on", sa.Date, nullable=True),
        sa.Column("ends_on", sa.Date, nullable=True),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("withdrawn", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in ("transcript_entries", "unit_lights", "course_audit", "amendments",
                  "amendment_routes", "attendance_reviews",
                  "course_closing", "attendees"):
        op.drop_table(table)
    with op.batch_alter_table("courses") as courses:
        courses.alter_column("status", type_=sa.String(16), existing_type=sa.String(24),
                             existing_nullable=False)
