"""A course's total hours as ``courses.course.registered.v2`` tells them (course hours per
county and unit, R-STA-2); empty for a course known only from v1, until its v2 arrives.
And room left in the figures' pages (fillfactor 70, PostgreSQL): adding to a figure rewrites
its row, which stays in its page, with no new index entries (a HOT update), while there is
room there (the consumer's apply rate, docs/performance.md). And the courses whose first
submission named a meeting (R-CRS-10), with whether the title is only a meeting's name
(``course.submitted.v2``; empty while only v1 told it), so each counts once.

Revision ID: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    with op.batch_alter_table("courses") as batch:
        batch.add_column(sa.Column("hours", sa.Numeric(6, 1), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE figures SET (fillfactor = 70)")
    op.create_table(
        "meeting_courses",
        sa.Column("course_id", sa.String(36), primary_key=True),
        sa.Column("meeting_only", sa.Boolean, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("meeting_courses")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE figures RESET (fillfactor)")
    with op.batch_alter_table("courses") as batch:
        batch.drop_column("hours")
