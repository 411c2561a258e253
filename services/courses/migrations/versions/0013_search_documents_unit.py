"""The organising unit in the search documents (R-CRS-9, issue 11 "Measured"): a unit's
name with a keyword is answered from the documents found, without reading each course.
Filled from the courses for the documents of published courses (the others hold none of
their course's values).

Revision ID: 0013
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"


def upgrade() -> None:
    with op.batch_alter_table("course_search_documents") as batch:
        batch.add_column(sa.Column("unit_code", sa.String(32), nullable=True))
    op.execute("UPDATE course_search_documents SET unit_code = (SELECT c.unit_code "
               "FROM courses c WHERE c.course_id = course_search_documents.course_id) "
               "WHERE ends_on IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("course_search_documents") as batch:
        batch.drop_column("unit_code")
