"""The courses to come from the documents (R-CRS-9, issue 11 "Measured"): each published
course's document holds its enrolment window and whether seats are left, so that
``open_now`` is answered from the documents; and the documents' index on the last day
gains a companion on ``(ends_on, starts_on, code)``, on PostgreSQL including every column
a search among the courses to come filters, counts or sorts by, so that such a search
reads that index alone (a range of it) rather than the rows of the courses to come,
scattered over the whole table (the narrow index stays: a keyword among the courses to
come intersects its range with the GIN index in bitmaps, five times fewer pages than the
covering index's); and an index of the documents by county, which a keyword with a
county intersects with the GIN index over the terms. Filled from the courses and their
seat counters in one statement, for the documents of the courses ending from a year
before the migration on: a window closes before its course starts, so the older ones'
windows closed long before any instant a search is asked at (each gets its copy when its
course is next saved), and the migration rewrites a tenth of a 2 M catalogue's documents
(with the GIN index over their terms) rather than all of them.

Revision ID: 0015
"""
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"

INCLUDED = ["course_id", "approved_at", "county_code", "category", "time_slot", "unit_code",
            "tags", "enrolment_opens_at", "enrolment_closes_at", "has_seats"]


def upgrade() -> None:
    with op.batch_alter_table("course_search_documents") as batch:
        batch.add_column(sa.Column("enrolment_opens_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("enrolment_closes_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("has_seats", sa.Boolean, nullable=True))
    # Published courses only (their documents have a last day), as the index keeps them.
    op.get_bind().execute(sa.text(
        "UPDATE course_search_documents SET enrolment_opens_at = c.enrolment_opens_at, "
        "enrolment_closes_at = c.enrolment_closes_at, "
        "has_seats = (s.enrolled IS NULL OR s.enrolled < c.capacity) "
        "FROM courses c LEFT JOIN course_seats s ON s.course_id = c.course_id "
        "WHERE c.course_id = course_search_documents.course_id "
        "AND course_search_documents.ends_on >= :since"
    ).bindparams(sa.bindparam("since", datetime.now(UTC).date() - timedelta(days=365),
                              type_=sa.Date)))
    op.create_index("ix_course_search_documents_to_come", "course_search_documents",
                    ["ends_on", "starts_on", "code"], postgresql_include=INCLUDED)
    op.create_index("ix_course_search_documents_county", "course_search_documents",
                    ["county_code"])


def downgrade() -> None:
    op.drop_index("ix_course_search_documents_county", table_name="course_search_documents")
    op.drop_index("ix_course_search_documents_to_come", table_name="course_search_documents")
    with op.batch_alter_table("course_search_documents") as batch:
        batch.drop_column("has_seats")
        batch.drop_column("enrolment_closes_at")
        batch.drop_column("enrolment_opens_at")
