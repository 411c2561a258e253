"""The history of teacher imports (who sent which file, when, and its report), and the
index that lists a school's teachers.

Revision ID: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.create_table(
        "teacher_imports",
        sa.Column("import_id", sa.Uuid, primary_key=True),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("filename", sa.String(255), nullable=True),
        sa.Column("content_sha256", sa.String(64), nullable=True),
        sa.Column("imported_by", sa.String(128), nullable=False),
        sa.Column("authority_code", sa.String(16), sa.ForeignKey("authorities.code"),
                  nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("problem", sa.String(64), nullable=True),
        sa.Column("created", sa.Integer, nullable=False),
        sa.Column("updated", sa.Integer, nullable=False),
        sa.Column("unchanged", sa.Integer, nullable=False),
        sa.Column("rejected", sa.Integer, nullable=False),
        sa.Column("report", sa.LargeBinary, nullable=True),
    )
    op.create_index("ix_teacher_imports_imported_at", "teacher_imports", ["imported_at"])
    op.create_index("ix_teacher_imports_authority", "teacher_imports",
                    ["authority_code", "imported_at"])
    op.create_index("ix_accounts_teacher_unit", "accounts", ["unit_code", "login"],
                    postgresql_where=sa.text("kind = 'teacher'"),
                    sqlite_where=sa.text("kind = 'teacher'"))


def downgrade() -> None:
    op.drop_index("ix_accounts_teacher_unit", "accounts")
    op.drop_table("teacher_imports")
