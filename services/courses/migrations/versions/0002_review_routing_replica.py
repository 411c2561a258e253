"""What courses needs to route a course to its reviewer on any day: the units' county, their
jurisdiction changes with dates, and the review routing rules (R-ORG-3, R-ORG-4).

Revision ID: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    with op.batch_alter_table("unit_replica") as table:
        table.add_column(sa.Column("county_code", sa.String(8), nullable=True))
    op.create_table(
        "jurisdiction_change_replica",
        sa.Column("unit_code", sa.String(32), primary_key=True),
        sa.Column("effective_from", sa.Date, primary_key=True),
        sa.Column("from_authority_code", sa.String(16), nullable=False),
        sa.Column("to_authority_code", sa.String(16), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "routing_rule_replica",
        sa.Column("rule_id", sa.String(32), primary_key=True),
        sa.Column("unit_type", sa.String(64), nullable=False, index=True),
        sa.Column("reviewer", sa.String(32), nullable=False),
        sa.Column("fixed_authority_code", sa.String(16), nullable=True),
        sa.Column("effective_from", sa.Date, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("routing_rule_replica")
    op.drop_table("jurisdiction_change_replica")
    with op.batch_alter_table("unit_replica") as table:
        table.drop_column("county_code")
