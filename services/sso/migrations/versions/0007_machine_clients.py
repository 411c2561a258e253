"""Machine clients (OAuth 2.0 client credentials for the transfer service's sources) and
their secrets, each in force over a span so that a handover switches them at one moment.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.create_table(
        "machine_clients",
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_machine_clients")),
        sa.UniqueConstraint("source", name=op.f("uq_machine_clients_source")),
    )
    op.create_table(
        "machine_secrets",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("maintainer", sa.String(200), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True)),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(128), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["machine_clients.client_id"],
                                name=op.f("fk_machine_secrets_client_id_machine_clients")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_machine_secrets")),
    )
    op.create_index(op.f("ix_machine_secrets_client_id"), "machine_secrets", ["client_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_machine_secrets_client_id"), "machine_secrets")
    op.drop_table("machine_secrets")
    op.drop_table("machine_clients")
