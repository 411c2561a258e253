"""Authorities (seeded: reference data for every mode), unit counties, jurisdiction
history and review routing rules. The supervising authority moves from a column of
``units`` to effective-dated rows.

Revision ID: 0002
"""
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

from services.accounts.domain.authorities import AUTHORITIES

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    authorities = op.create_table(
        "authorities",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("county_code", sa.String(8), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("announced_version", sa.Integer, nullable=False, server_default="0"),
    )
    op.bulk_insert(authorities, [
        {"code": a.code, "name": a.name, "county_code": a.county_code, "kind": a.kind,
         "position": a.position, "version": a.version, "announced_version": 0}
        for a in AUTHORITIES])

    bind = op.get_bind()
    existing = bind.execute(sa.text("SELECT code, authority_code, registered_at FROM units")).all()
    with op.batch_alter_table("units") as batch:
        batch.add_column(sa.Column("county_code", sa.String(8), nullable=True))
        batch.drop_column("authority_code")

    jurisdictions = op.create_table(
        "unit_jurisdictions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("unit_code", sa.String(32), sa.ForeignKey("units.code"), nullable=False),
        sa.Column("authority_code", sa.String(16), sa.ForeignKey("authorities.code"),
                  nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date, nullable=True),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.UniqueConstraint("unit_code", "valid_from", name="uq_unit_jurisdictions_unit_code"),
    )
    now = datetime.now(UTC)
    op.bulk_insert(jurisdictions, [
        {"unit_code": code, "authority_code": authority, "valid_from": _date(registered),
         "valid_until": None, "reference": "registration", "recorded_at": now,
         "recorded_by": "migration 0002"} for code, authority, registered in existing])

    op.create_table(
        "review_routing_rules",
        sa.Column("rule_id", sa.String(32), primary_key=True),
        sa.Column("unit_type", sa.String(64), nullable=False),
        sa.Column("reviewer", sa.String(32), nullable=False),
        sa.Column("fixed_authority_code", sa.String(16), sa.ForeignKey("authorities.code"),
                  nullable=True),
        sa.Column("effective_from", sa.Date, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.UniqueConstraint("unit_type", "effective_from",
                            name="uq_review_routing_rules_unit_type"),
    )


def _date(value: str | datetime) -> date:
    # SQLite hands back text, PostgreSQL a datetime.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.date()


def downgrade() -> None:
    op.drop_table("review_routing_rules")
    bind = op.get_bind()
    current = bind.execute(sa.text(
        "SELECT unit_code, authority_code FROM unit_jurisdictions WHERE valid_until IS NULL")).all()
    op.drop_table("unit_jurisdictions")
    with op.batch_alter_table("units") as batch:
        batch.drop_column("county_code")
        batch.add_column(sa.Column("authority_code", sa.String(32), nullable=False,
                                   server_default="NETWORK"))
    for code, authority in current:
        bind.execute(sa.text("UPDATE units SET authority_code = :a WHERE code = :c"),
                     {"a": authority, "c": code})
    op.drop_table("authorities")
