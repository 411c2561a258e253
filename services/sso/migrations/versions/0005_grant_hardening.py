"""County links need the teacher: a reviewer's match is a proposal the teacher confirms
with their platform password; who proposed is kept with the link (and when it is undone).

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    with op.batch_alter_table("county_arrivals") as batch:
        batch.add_column(sa.Column("proposed_account_id", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("proposed_by", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("county_links") as batch:
        batch.add_column(sa.Column("proposed_by", sa.String(length=100), nullable=True))
    with op.batch_alter_table("county_unlinks") as batch:
        batch.add_column(sa.Column("proposed_by", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("county_unlinks") as batch:
        batch.drop_column("proposed_by")
    with op.batch_alter_table("county_links") as batch:
        batch.drop_column("proposed_by")
    with op.batch_alter_table("county_arrivals") as batch:
        batch.drop_column("proposed_at")
        batch.drop_column("proposed_by")
        batch.drop_column("proposed_account_id")
