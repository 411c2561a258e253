"""Accounts (teachers, business accounts, staff), teachers' past schools, role grants,
the audit of national-ID exports, and the counters for generated logins.

Revision ID: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"

_Serial = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("account_id", sa.Uuid, primary_key=True),
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("unit_code", sa.String(32), sa.ForeignKey("units.code"), nullable=True),
        sa.Column("authority_code", sa.String(16), sa.ForeignKey("authorities.code"),
                  nullable=True),
        sa.Column("school_since", sa.Date, nullable=True),
        sa.Column("national_id_hash", sa.LargeBinary(32), nullable=True),
        sa.Column("national_id_ciphertext", sa.LargeBinary, nullable=True),
        sa.Column("national_id_key_id", sa.String(16), nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by", sa.String(128), nullable=True),
        sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("login", name="uq_accounts_login"),
        sa.UniqueConstraint("national_id_hash", name="uq_accounts_national_id_hash"),
        sa.CheckConstraint("(kind = 'teacher') = (national_id_hash IS NOT NULL)",
                           name="ck_accounts_teacher_identity"),
    )
    op.create_index("ix_accounts_business_unit", "accounts", ["unit_code"],
                    postgresql_where=sa.text("kind = 'business'"),
                    sqlite_where=sa.text("kind = 'business'"))
    op.create_table(
        "teacher_past_schools",
        sa.Column("id", _Serial, primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.Uuid, sa.ForeignKey("accounts.account_id"), nullable=False),
        sa.Column("unit_code", sa.String(32), nullable=False),
        sa.Column("since", sa.Date, nullable=True),
        sa.Column("until", sa.Date, nullable=False),
    )
    op.create_index("ix_teacher_past_schools_account_id", "teacher_past_schools", ["account_id"])
    op.create_table(
        "role_grants",
        sa.Column("grant_id", sa.Uuid, primary_key=True),
        sa.Column("account_id", sa.Uuid, sa.ForeignKey("accounts.account_id"), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("unit_code", sa.String(32), sa.ForeignKey("units.code"), nullable=True),
        sa.Column("authority_code", sa.String(16), sa.ForeignKey("authorities.code"),
                  nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("granted_by", sa.String(128), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(128), nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_role_grants_account_id", "role_grants", ["account_id"])
    op.create_table(
        "national_id_exports",
        sa.Column("id", _Serial, primary_key=True, autoincrement=True),
        sa.Column("export_id", sa.Uuid, nullable=False),
        sa.Column("account_id", sa.Uuid, sa.ForeignKey("accounts.account_id"), nullable=False),
        sa.Column("exported_by", sa.String(128), nullable=False),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
    )
    op.create_index("ix_national_id_exports_export_id", "national_id_exports", ["export_id"])
    sequences = op.create_table(
        "login_sequences",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("next_value", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(sequences, [{"name": "teacher", "next_value": 1}])


def downgrade() -> None:
    for table in ("login_sequences", "national_id_exports", "role_grants",
                  "teacher_past_schools", "accounts"):
        op.drop_table(table)
