"""Courses and course series (R-CRS-1, R-CRS-4): the columns every part of the service
reads — the lifecycle, the enrolment window and seats, the hours — and each teacher's
enrolment with its arrival number. Meetings, attachments, reviews, waiting lists, draws
and hours have tables of their own in later revisions.

Revision ID: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "course_series",
        sa.Column("series_id", sa.String(36), primary_key=True),
        sa.Column("unit_code", sa.String(32), nullable=False, index=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("one_session_per_teacher", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "courses",
        sa.Column("course_id", sa.String(36), primary_key=True),
        sa.Column("code", sa.String(24), nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("unit_code", sa.String(32), nullable=False),
        sa.Column("organiser_account_id", sa.String(36), nullable=False),
        sa.Column("audiences", sa.JSON, nullable=False),
        sa.Column("class_type", sa.String(32), nullable=False),
        sa.Column("nature", sa.String(32), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("subcategory", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(32), nullable=False),
        sa.Column("time_slot", sa.String(32), nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("hours", sa.Numeric(5, 1), nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("county_code", sa.String(8), nullable=False),
        sa.Column("lecturers", sa.JSON, nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("enrolment_opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("enrolment_closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organiser_accepts", sa.Boolean, nullable=False),
        sa.Column("fairness", sa.String(16), nullable=False),
        sa.Column("series_id", sa.String(36), sa.ForeignKey("course_series.series_id"),
                  nullable=True, index=True),
        sa.Column("reviewing_authority_code", sa.String(16), nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("capacity > 0", name="ck_courses_capacity_positive"),
        sa.CheckConstraint("hours > 0", name="ck_courses_hours_positive"),
        sa.CheckConstraint("enrolment_opens_at < enrolment_closes_at",
                           name="ck_courses_window_ordered"),
    )
    op.create_index("ix_courses_unit_status", "courses", ["unit_code", "status"])
    op.create_index("ix_courses_status_starts_on", "courses", ["status", "starts_on"])
    op.create_index("ix_courses_reviewer_queue", "courses",
                    ["reviewing_authority_code", "status", "submitted_at"])
    op.create_table(
        "enrolments",
        sa.Column("enrolment_id", sa.String(36), primary_key=True),
        sa.Column("course_id", sa.String(36), sa.ForeignKey("courses.course_id"),
                  nullable=False),
        sa.Column("account_id", sa.String(36), nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("arrival", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("course_id", "account_id", name="uq_enrolments_course_account"),
        sa.UniqueConstraint("course_id", "arrival", name="uq_enrolments_course_arrival"),
    )
    op.create_index("ix_enrolments_course_status", "enrolments", ["course_id", "status"])


def downgrade() -> None:
    op.drop_table("enrolments")
    op.drop_table("courses")
    op.drop_table("course_series")
