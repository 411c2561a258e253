"""The outbox and inbox every service has.

Revision ID: 0001
"""
from alembic import op

from servicekit.bus.tables import create_messaging_tables, drop_messaging_tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_messaging_tables(op)


def downgrade() -> None:
    drop_messaging_tables(op)
