"""The catalogue's cross search (R-CRS-9): every course's index terms (characters and
overlapping character pairs of its title, its lecturers' and its audiences') and the
normalised text keywords are confirmed against; an index on ``ends_on`` (the catalogue
hides courses that have ended). Existing courses are indexed here, in batches.

Revision ID: 0007
"""
import json

import sqlalchemy as sa
from alembic import op

from services.courses.adapters.search_index import index_rows

revision = "0007"
down_revision = "0006"

BATCH = 2000


def upgrade() -> None:
    op.create_table(
        "course_search_terms",
        sa.Column("term", sa.String(40), primary_key=True),
        sa.Column("course_id", sa.String(36), primary_key=True),
    )
    op.create_table(
        "course_search_documents",
        sa.Column("course_id", sa.String(36), sa.ForeignKey("courses.course_id"),
                  primary_key=True),
        sa.Column("title_text", sa.String(400), nullable=False),
        sa.Column("lecturer_text", sa.Text, nullable=False),
        sa.Column("terms", sa.Text, nullable=False),
    )
    op.create_index("ix_courses_ends_on", "courses", ["ends_on"])
    _backfill()


def _backfill() -> None:
    """Indexes the courses registered before this revision, a batch at a time."""
    bind = op.get_bind()
    terms = sa.table("course_search_terms", sa.column("term"), sa.column("course_id"))
    documents = sa.table("course_search_documents", sa.column("course_id"),
                         sa.column("title_text"), sa.column("lecturer_text"),
                         sa.column("terms"))
    after = ""
    while True:
        rows = bind.execute(sa.text(
            "SELECT course_id, title, lecturers, audiences FROM courses "
            "WHERE course_id > :after ORDER BY course_id LIMIT :n"),
            {"after": after, "n": BATCH}).all()
        if not rows:
            return
        document_rows, term_rows = [], []
        for course_id, title, lecturers, audiences in rows:
            document, course_terms = index_rows(course_id, title, _list(lecturers),
                                                _list(audiences))
            document_rows.append(document)
            term_rows.extend(course_terms)
        op.bulk_insert(documents, document_rows)
        if term_rows:
            op.bulk_insert(terms, term_rows)
        after = rows[-1][0]


def _list(value: object) -> list[str]:
    """A JSON column read through plain SQL: text on SQLite, decoded on PostgreSQL."""
    if isinstance(value, str):
        value = json.loads(value)
    return list(value or [])  # type: ignore[call-overload]


def downgrade() -> None:
    op.drop_index("ix_courses_ends_on", "courses")
    op.drop_table("course_search_documents")
    op.drop_table("course_search_terms")
