"""A unit reads its own amendment requests, newest first (``GET /units/<code>/amendments``,
R-CRS-6): an index by unit and request time, so that the list and its count read the
unit's requests alone rather than every request of the network.

Revision ID: 0014
"""
from alembic import op

revision = "0014"
down_revision = "0013"


def upgrade() -> None:
    op.create_index("ix_amendments_unit", "amendments", ["unit_code", "requested_at"])


def downgrade() -> None:
    op.drop_index("ix_amendments_unit", table_name="amendments")
