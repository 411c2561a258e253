"""Deadlines, audits and duplicates (R-TRF-5, R-TRF-6, R-TRF-11): what arrived from each
source per day, the sources' own monthly counts, the audits, the late and missing
reports found, and the records a second source reported of the same teacher in the same
course. None changes the records' tables.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def _source(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["source"], ["sources.code"],
                                   name=op.f(f"fk_{table}_source_sources"))


def upgrade() -> None:
    op.create_table(
        "source_deliveries",
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("batches", sa.Integer, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        _source("source_deliveries"),
        sa.PrimaryKeyConstraint("source", "day", "kind", name=op.f("pk_source_deliveries")),
    )
    op.create_table(
        "reported_counts",
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("month", sa.Date, nullable=False),
        sa.Column("courses", sa.Integer, nullable=False),
        sa.Column("attendance", sa.Integer, nullable=False),
        sa.Column("hours", sa.Numeric(12, 1), nullable=False),
        sa.Column("reported_by", sa.String(128), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        _source("reported_counts"),
        sa.PrimaryKeyConstraint("source", "month", name=op.f("pk_reported_counts")),
    )
    op.create_table(
        "audits",
        sa.Column("audit_id", sa.String(36), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("first_month", sa.Date, nullable=False),
        sa.Column("last_month", sa.Date, nullable=False),
        sa.Column("lines", sa.JSON, nullable=False),
        sa.Column("differences", sa.Integer, nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        _source("audits"),
        sa.PrimaryKeyConstraint("audit_id", name=op.f("pk_audits")),
        sa.UniqueConstraint("source", "kind", "first_month", name=op.f("uq_audits_source")),
    )
    op.create_table(
        "deadline_findings",
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("month", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        _source("deadline_findings"),
        sa.PrimaryKeyConstraint("source", "month", name=op.f("pk_deadline_findings")),
    )
    op.create_table(
        "duplicate_records",
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("course_key", sa.String(60), nullable=False),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("kept_source", sa.String(32), nullable=False),
        sa.Column("kept_course_key", sa.String(60), nullable=False),
        sa.Column("digest", sa.String(32), nullable=False),
        sa.Column("school_code", sa.String(16), nullable=False),
        sa.Column("hours", sa.Numeric(5, 1), nullable=False),
        sa.Column("completed_on", sa.Date, nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", "course_key", "account_id",
                                name=op.f("pk_duplicate_records")),
    )
    op.create_index("ix_duplicate_records_kept", "duplicate_records",
                    ["kept_source", "kept_course_key", "account_id"])
    op.create_table(
        "match_keys",
        sa.Column("organiser_unit_code", sa.String(16), nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("title_digest", sa.String(32), nullable=False),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("course_key", sa.String(60), nullable=False),
        sa.PrimaryKeyConstraint("organiser_unit_code", "start_date", "title_digest",
                                "account_id", "source", name=op.f("pk_match_keys")),
    )
    op.create_index("ix_match_keys_source_course_key", "match_keys", ["source", "course_key"])


def downgrade() -> None:
    op.drop_index("ix_match_keys_source_course_key", "match_keys")
    op.drop_table("match_keys")
    op.drop_index("ix_duplicate_records_kept", "duplicate_records")
    for table in ("duplicate_records", "deadline_findings", "audits", "reported_counts",
                  "source_deliveries"):
        op.drop_table(table)
