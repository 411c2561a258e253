"""Each unit's traffic light per year, as courses announces it: its courses whose attendee
list is past the deadline (R-CRS-7, R-STA-2).

Revision ID: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "unit_lights",
        sa.Column("unit_code", sa.String(32), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("light", sa.String(8), nullable=False),
        sa.Column("overdue", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("unit_lights")
