"""Amendments of legal entities' courses go to the network's operators (R-CRS-6): the seed
named "the ministry's review group" as their approver, but the accounts service keeps no
such authority (its authorities are the counties, K12EA and the network), so nobody could
hold a reviewer's token for the code first seeded (MOE-LEGAL) and such requests waited for
ever. The seeded route is moved to ``network``; a route an operator has set is left alone.

Revision ID: 0008
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"

ROUTES = sa.table("amendment_routes", sa.column("category", sa.String),
                  sa.column("approver", sa.String), sa.column("updated_at", sa.DateTime),
                  sa.column("updated_by", sa.String))


def _move(from_approver: str, to_approver: str) -> None:
    op.execute(ROUTES.update().where(ROUTES.c.category == "legal_entity",
                                     ROUTES.c.approver == from_approver,
                                     ROUTES.c.updated_by == "migration")
               .values(approver=to_approver, updated_at=datetime.now(UTC)))


def upgrade() -> None:
    _move("MOE-LEGAL", "network")


def downgrade() -> None:
    _move("network", "MOE-LEGAL")
