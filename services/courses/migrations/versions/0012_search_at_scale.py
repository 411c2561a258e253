"""The catalogue's cross search at national scale (R-CRS-9, issue 11 "Measured"):

- ``course_search_counts``: the published courses per county, category, time slot, tag and
  year (or month) of their last day, so that searches by these filters alone answer their
  total and facets without counting courses; each document holds, while its course is
  published, what it is counted under and what a keyword search orders its page by;
- on PostgreSQL a GIN index over each document's terms (``string_to_array(terms, ' ')``)
  answers the keywords, and the B-tree of ``course_search_terms`` (about seven times the
  catalogue's size) is emptied there: SQLite keeps it, with the same terms;
- indexes in the order of the catalogue's sorts (start date, newest, title).

What exists is counted here, so that a live catalogue upgrades in place.

Revision ID: 0012
"""
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from services.courses.adapters.search_index import count_keys, counted_key
from services.courses.domain.access import PUBLISHED

revision = "0012"
down_revision = "0011"

BATCH = 5000
# What a document holds of its course while the course is published.
_LISTED: list[sa.Column[Any]] = [
    sa.Column("starts_on", sa.Date, nullable=True),
    sa.Column("ends_on", sa.Date, nullable=True),
    sa.Column("code", sa.String(24), nullable=True),
    sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("county_code", sa.String(8), nullable=True),
    sa.Column("category", sa.String(32), nullable=True),
    sa.Column("time_slot", sa.String(32), nullable=True),
    sa.Column("tags", sa.Text, nullable=True),
]


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "course_search_counts",
        sa.Column("tag", sa.String(32), primary_key=True),
        sa.Column("span", sa.String(1), primary_key=True),
        sa.Column("period", sa.Integer, primary_key=True),
        sa.Column("county_code", sa.String(8), primary_key=True),
        sa.Column("category", sa.String(32), primary_key=True),
        sa.Column("time_slot", sa.String(32), primary_key=True),
        sa.Column("also_tag", sa.String(32), primary_key=True),
        sa.Column("courses", sa.Integer, nullable=False),
    )
    with op.batch_alter_table("course_search_documents") as batch:
        for column in _LISTED:
            batch.add_column(column)
    op.create_index("ix_course_search_documents_ends_on", "course_search_documents",
                    ["ends_on"])
    op.create_index("ix_courses_starts_on_code", "courses", ["starts_on", "code"])
    op.create_index("ix_courses_approved_at_code", "courses", ["approved_at", "code"])
    op.create_index("ix_courses_title_code", "courses", ["title", "code"])
    _count_existing(bind)
    if bind.dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_course_search_documents_terms ON course_search_documents "
                   "USING gin (string_to_array(terms, ' '))")
        op.execute("TRUNCATE course_search_terms")


def _count_existing(bind: sa.engine.Connection) -> None:
    """Counts the courses published before this revision and fills their documents' copy
    of what they are counted under; a batch of courses at a time, the counts written once."""
    documents = sa.table("course_search_documents", sa.column("course_id"),
                         *(sa.column(column.name) for column in _LISTED))
    counts: Counter[tuple[Any, ...]] = Counter()
    after = ""
    while True:
        rows = bind.execute(sa.text(
            "SELECT c.course_id, c.status, c.county_code, c.category, c.time_slot, c.ends_on, "
            "c.starts_on, c.code, c.approved_at "
            "FROM courses c JOIN course_search_documents d ON d.course_id = c.course_id "
            "WHERE c.course_id > :after ORDER BY c.course_id LIMIT :n"),
            {"after": after, "n": BATCH}).all()
        if not rows:
            break
        tags: dict[str, list[str]] = {}
        for course_id, tag in bind.execute(sa.text(
                "SELECT course_id, tag_code FROM course_tags "
                "WHERE course_id > :after AND course_id <= :last"),
                {"after": after, "last": rows[-1][0]}):
            tags.setdefault(course_id, []).append(tag)
        keys = []
        for (course_id, status, county, category, slot, ends_on, starts_on, code,
             approved_at) in rows:
            if status not in PUBLISHED:
                continue
            course_tags = sorted(tags.get(course_id, []))
            counts.update(count_keys(counted_key(county, category, slot, _date(ends_on),
                                                 course_tags)))
            keys.append({"id": course_id, "v_starts_on": _date(starts_on),
                         "v_ends_on": _date(ends_on), "v_code": code,
                         "v_approved_at": _moment(approved_at), "v_county_code": county,
                         "v_category": category, "v_time_slot": slot,
                         "v_tags": " ".join(course_tags)})
        if keys:
            bind.execute(documents.update().where(documents.c.course_id == sa.bindparam("id"))
                         .values({column.name: sa.bindparam("v_" + column.name)
                                  for column in _LISTED}), keys)
        after = rows[-1][0]
    table = sa.table("course_search_counts", *(sa.column(name) for name in (
        "tag", "also_tag", "span", "period", "county_code", "category", "time_slot",
        "courses")))
    rows_out = [dict(zip(("tag", "also_tag", "span", "period", "county_code", "category",
                          "time_slot"), key, strict=True), courses=n)
                for key, n in sorted(counts.items())]
    for start in range(0, len(rows_out), BATCH):
        op.bulk_insert(table, rows_out[start:start + BATCH])


def _date(value: object) -> date:
    """A date read through plain SQL: text on SQLite, a date on PostgreSQL."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _moment(value: object) -> datetime | None:
    """A moment read through plain SQL: ISO text on SQLite (UTC), aware on PostgreSQL."""
    if value is None or isinstance(value, datetime):
        return value
    moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # SQLite's way again: the terms by the primary key, from the documents' own.
        op.execute("INSERT INTO course_search_terms (term, course_id) "
                   "SELECT DISTINCT unnest(string_to_array(terms, ' ')), course_id "
                   "FROM course_search_documents ON CONFLICT DO NOTHING")
        op.execute("DROP INDEX ix_course_search_documents_terms")
    op.drop_index("ix_courses_title_code", "courses")
    op.drop_index("ix_courses_approved_at_code", "courses")
    op.drop_index("ix_courses_starts_on_code", "courses")
    op.drop_index("ix_course_search_documents_ends_on", "course_search_documents")
    with op.batch_alter_table("course_search_documents") as batch:
        for column in _LISTED:
            batch.drop_column(column.name)
    op.drop_table("course_search_counts")

