"""The unit replica, and the outbox and inbox every service has.

Revision ID: 0001
"""
import sqlalchemy as sa
from alembic import op

from servicekit.bus.tables import create_messaging_tables, drop_messaging_tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_messaging_tables(op)
    op.create_table(
        "unit_replica",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("unit_type", sa.String(64), nullable=False),
        sa.Column("authority_code", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("unit_replica")
    drop_messaging_tables(op)
