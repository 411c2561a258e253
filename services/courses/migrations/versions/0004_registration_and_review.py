"""Registering and reviewing courses (R-CRS-1…3, R-CRS-8): meetings, policy tags, review
decisions, attachments, the yearly code sequence, the operator-managed vocabularies, and
the teachers replica.

Revision ID: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_table(
        "course_meetings",
        sa.Column("course_id", sa.String(36), sa.ForeignKey("courses.course_id"),
                  primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("meets_on", sa.Date, nullable=False),
        sa.Column("starts_at", sa.Time, nullable=False),
        sa.Column("ends_at", sa.Time, nullable=False),
    )
    op.create_table(
        "course_tags",
        sa.Column("course_id", sa.String(36), sa.ForeignKey("courses.course_id"),
                  primary_key=True),
        sa.Column("tag_code", sa.String(32), primary_key=True),
    )
    op.create_index("ix_course_tags_tag", "course_tags", ["tag_code"])
    op.create_table(
        "course_reviews",
        sa.Column("review_id", sa.String(36), primary_key=True),
        sa.Column("course_id", sa.String(36), sa.ForeignKey("courses.course_id"),
                  nullable=False, index=True),
        sa.Column("decision", sa.String(8), nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("reviewer_account_id", sa.String(64), nullable=False),
        sa.Column("reviewing_authority_code", sa.String(16), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_on", sa.Date, nullable=False),
    )
    op.create_index("ix_course_reviews_authority_day", "course_reviews",
                    ["reviewing_authority_code", "decided_on"])
    op.create_table(
        "course_attachments",
        sa.Column("attachment_id", sa.String(36), primary_key=True),
        sa.Column("course_id", sa.String(36), sa.ForeignKey("courses.course_id"),
                  nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("storage_key", sa.String(200), nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "course_code_sequences",
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("last_number", sa.Integer, nullable=False),
    )
    op.create_table(
        "course_vocabulary",
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("parent_code", sa.String(32), nullable=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("short_label", sa.String(32), nullable=True),
        sa.Column("basis", sa.String(200), nullable=True),
        sa.Column("added_on", sa.Date, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "teacher_replica",
        sa.Column("account_id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("unit_code", sa.String(32), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("teacher_replica")
    op.drop_table("course_vocabulary")
    op.drop_table("course_code_sequences")
    op.drop_table("course_attachments")
    op.drop_table("course_reviews")
    op.drop_table("course_tags")
    op.drop_table("course_meetings")
