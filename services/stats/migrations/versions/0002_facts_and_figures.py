"""The facts stats applied (append-only), the figures by period and dimension, and what
applying a fact needs: units and their jurisdiction history, authorities, courses, hours
issued, transfer records and courses, visitors of a day.

Revision ID: 0002
"""
import sqlalchemy as sa
from alembic import op

from servicekit.columns import UtcDateTime

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "facts",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("event_type", sa.String(80), nullable=False),
        sa.Column("occurred_at", UtcDateTime, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_table(
        "figures",
        sa.Column("measure", sa.String(40), primary_key=True),
        sa.Column("dimension", sa.String(16), primary_key=True),
        sa.Column("period", sa.String(5), primary_key=True),
        sa.Column("starts_on", sa.Date, primary_key=True),
        sa.Column("member", sa.String(80), primary_key=True),
        sa.Column("value", sa.Numeric(18, 1), nullable=False),
    )
    op.create_index("ix_figures_series", "figures",
                    ["measure", "dimension", "period", "member", "starts_on"])
    op.create_table(
        "units",
        sa.Column("unit_code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("unit_type", sa.String(40), nullable=False),
        sa.Column("authority_code", sa.String(16), nullable=False),
        sa.Column("county_code", sa.String(8), nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "authorities",
        sa.Column("authority_code", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("county_code", sa.String(8), nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "jurisdiction_changes",
        sa.Column("unit_code", sa.String(32), primary_key=True),
        sa.Column("effective_from", sa.Date, primary_key=True),
        sa.Column("from_authority", sa.String(16), nullable=False),
        sa.Column("to_authority", sa.String(16), nullable=False),
    )
    op.create_table(
        "courses",
        sa.Column("course_id", sa.String(36), primary_key=True),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("unit_code", sa.String(32), nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("list_sent", sa.Boolean, nullable=False),
        sa.Column("held", sa.Boolean, nullable=False),
    )
    op.create_table(
        "hour_lines",
        sa.Column("course_id", sa.String(36), primary_key=True),
        sa.Column("account_id", sa.String(36), primary_key=True),
        sa.Column("unit_code", sa.String(32), nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("hours", sa.Numeric(8, 1), nullable=False),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "transfer_records",
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("record_key", sa.String(200), primary_key=True),
        sa.Column("course_key", sa.String(64), nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("hours", sa.Numeric(8, 1), nullable=False),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("live", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "transfer_courses",
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("course_key", sa.String(64), primary_key=True),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("live_records", sa.Integer, nullable=False),
    )
    op.create_table(
        "visitors",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("account_id", sa.String(36), primary_key=True),
    )


def downgrade() -> None:
    for table in ("visitors", "transfer_courses", "transfer_records", "hour_lines", "courses",
                  "jurisdiction_changes", "authorities", "units"):
        op.drop_table(table)
    op.drop_index("ix_figures_series", "figures")
    op.drop_table("figures")
    op.drop_table("facts")
