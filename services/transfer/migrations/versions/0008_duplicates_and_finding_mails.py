"""Linked duplicates promoted, findings mailed (R-TRF-6, R-TRF-11): a duplicate keeps
the teacher's name as sent and the version its record reached (a record that was kept
and became a duplicate has published versions: a promotion goes on from them); a source
has a contact address; each finding mailed to it is kept once.

Revision ID: 0008
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"


def upgrade() -> None:
    with op.batch_alter_table("duplicate_records") as table:
        table.add_column(sa.Column("teacher_name", sa.String(100)))
        table.add_column(sa.Column("version", sa.Integer, nullable=False,
                                   server_default="0"))
    with op.batch_alter_table("sources") as table:
        table.add_column(sa.Column("contact_email", sa.String(254)))
    op.create_table(
        "finding_mails",
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("finding", sa.String(16), nullable=False),
        sa.Column("finding_key", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("to_address", sa.String(254)),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True)),
        sa.Column("outcome", sa.String(16)),
        sa.Column("last_error", sa.String(500)),
        sa.ForeignKeyConstraint(["source"], ["sources.code"],
                                name=op.f("fk_finding_mails_source_sources")),
        sa.PrimaryKeyConstraint("source", "finding", "finding_key",
                                name=op.f("pk_finding_mails")),
    )


def downgrade() -> None:
    op.drop_table("finding_mails")
    with op.batch_alter_table("sources") as table:
        table.drop_column("contact_email")
    with op.batch_alter_table("duplicate_records") as table:
        table.drop_column("version")
        table.drop_column("teacher_name")
