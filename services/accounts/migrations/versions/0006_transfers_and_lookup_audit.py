"""Teachers' transfers between authorities, the audit of national-ID lookups and the
accounts' daily lookup quota.

Revision ID: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"

_Serial = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "teacher_transfers",
        sa.Column("transfer_id", sa.Uuid, primary_key=True),
        sa.Column("account_id", sa.Uuid, sa.ForeignKey("accounts.account_id"), nullable=False),
        sa.Column("from_unit_code", sa.String(32), nullable=True),
        sa.Column("from_authority_code", sa.String(16), nullable=True),
        sa.Column("to_unit_code", sa.String(32), nullable=False),
        sa.Column("to_authority_code", sa.String(16), nullable=True),
        sa.Column("since", sa.Date, nullable=False),
        sa.Column("via", sa.String(16), nullable=False),
        sa.Column("import_id", sa.Uuid, nullable=True),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("transferred_by", sa.String(128), nullable=False),
        sa.Column("transferred_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_teacher_transfers_account_id", "teacher_transfers", ["account_id"])
    op.create_table(
        "national_id_lookups",
        sa.Column("id", _Serial, primary_key=True, autoincrement=True),
        sa.Column("looked_up_by", sa.String(128), nullable=False),
        sa.Column("looked_up_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("roles", sa.String(128), nullable=False),
        sa.Column("authority_code", sa.String(16), nullable=True),
        sa.Column("unit_code", sa.String(32), nullable=True),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("ids_count", sa.Integer, nullable=False),
        sa.Column("found_count", sa.Integer, nullable=False),
        sa.Column("answered_in_full", sa.Integer, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
    )
    op.create_index("ix_national_id_lookups_looked_up_at", "national_id_lookups",
                    ["looked_up_at"])
    op.create_index("ix_national_id_lookups_by", "national_id_lookups",
                    ["looked_up_by", "looked_up_at"])
    op.create_table(
        "national_id_lookup_quotas",
        sa.Column("account", sa.String(128), primary_key=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("used", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("national_id_lookup_quotas")
    op.drop_table("national_id_lookups")
    op.drop_table("teacher_transfers")
