"""News and marquee lines (R-CRS-12), and each teacher's secret calendar address (kept as
the SHA-256 of its token).

Revision ID: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"


def _announcement_columns() -> list[sa.Column]:
    return [
        sa.Column("shown_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shown_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "news_items",
        sa.Column("news_id", sa.String(36), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("audience", sa.String(16), nullable=False),
        *_announcement_columns(),
        sa.CheckConstraint("shown_until IS NULL OR shown_until > shown_from",
                           name="ck_news_items_window_ordered"),
    )
    op.create_index("ix_news_items_shown_from", "news_items", ["shown_from"])
    op.create_table(
        "marquee_lines",
        sa.Column("line_id", sa.String(36), primary_key=True),
        sa.Column("text", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        *_announcement_columns(),
        sa.CheckConstraint("shown_until IS NULL OR shown_until > shown_from",
                           name="ck_marquee_lines_window_ordered"),
    )
    op.create_table(
        "calendar_tokens",
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("calendar_tokens")
    op.drop_table("marquee_lines")
    op.drop_index("ix_news_items_shown_from", "news_items")
    op.drop_table("news_items")
