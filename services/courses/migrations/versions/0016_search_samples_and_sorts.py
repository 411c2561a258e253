"""Large matches and deep pages at national scale (R-CRS-9, issue 11 "Measured").

(1) The counts gain an all-years span (``span`` 'a', ``period`` 0), the sum of the years',
so that a search by filters alone over every year reads one row per combination of its
filters rather than one per year since 2003 (at 2 M: 2,300 rows rather than 60,000).
(2) On PostgreSQL, GIN indexes over the terms of the documents of each sample share (1,
2, 4, 8 and 16 of 256 ids, apart from each other): a large match's sample looks its words
up in posting lists of its own share, instead of decoding a common word's whole posting
list (150,000 documents at 2 M) on each pass. Together an eighth of the whole GIN index.
And one over the documents ending from 1 January of last year on (named with that day;
``roll-search-index`` moves it on): a keyword among the courses to come, and the most
recent matches a large match ranks, are looked up there (at 2 M from 2026: 教學's 68,000
of those rather than its 466,000 of every year).
(3) The courses' sort indexes by title, publication and first day include the status and
the id, so that a deep page over every year is read from the index alone instead of one
course row per course skipped.

Revision ID: 0016
"""
from datetime import UTC, date, datetime

from alembic import op

revision = "0016"
down_revision = "0015"

# The sample shares, apart: n of 256 from the ids' prefix n - 1 up to 2n - 1.
SAMPLES = {1: ("00", "01"), 2: ("01", "03"), 4: ("03", "07"), 8: ("07", "0f"),
           16: ("0f", "1f")}
SORTS = {"ix_courses_starts_on_code": ["starts_on", "code"],
         "ix_courses_approved_at_code": ["approved_at", "code"],
         "ix_courses_title_code": ["title", "code"]}
COVERED = ["status", "course_id"]
# The documents of the recent GIN index: ending from 1 January of last year, as the day
# the revision runs tells. A revision runs once, when a database is made or upgraded: a
# fixed day would give a database made years later an index holding every year since,
# until its first roll (services/courses/adapters/recent_index.py, whose naming this is).
RECENT_FROM = date(datetime.now(UTC).year - 1, 1, 1)
RECENT = "ix_course_search_documents_terms_recent"


def upgrade() -> None:
    # Revision 0012 counts a live catalogue with today's keys, the all-years span among
    # them: summed afresh from the years either way.
    op.execute("DELETE FROM course_search_counts WHERE span = 'a'")
    op.execute("INSERT INTO course_search_counts (tag, span, period, county_code, category, "
               "time_slot, also_tag, courses) SELECT tag, 'a', 0, county_code, category, "
               "time_slot, also_tag, sum(courses) FROM course_search_counts WHERE span = 'y' "
               "GROUP BY tag, county_code, category, time_slot, also_tag "
               "HAVING sum(courses) <> 0")
    if op.get_bind().dialect.name != "postgresql":
        return
    for shares, (low, high) in SAMPLES.items():
        op.execute(f"CREATE INDEX ix_course_search_documents_terms_{shares:02} "
                   f"ON course_search_documents USING gin (string_to_array(terms, ' ')) "
                   f"WHERE course_id >= '{low}' AND course_id < '{high}'")
    op.execute(f"CREATE INDEX {RECENT}_{RECENT_FROM:%Y%m%d} "
               "ON course_search_documents USING gin (string_to_array(terms, ' ')) "
               f"WHERE ends_on >= '{RECENT_FROM.isoformat()}'")
    for name, columns in SORTS.items():
        op.drop_index(name, table_name="courses")
        op.create_index(name, "courses", columns, postgresql_include=COVERED)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, columns in SORTS.items():
            op.drop_index(name, table_name="courses")
            op.create_index(name, "courses", columns)
        # Whichever recent index the last roll left (an interrupted one: more than one).
        for (name,) in op.get_bind().exec_driver_sql(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'course_search_documents' "
                f"AND starts_with(indexname, '{RECENT}')").all():
            op.drop_index(name, table_name="course_search_documents")
        for shares in SAMPLES:
            op.drop_index(f"ix_course_search_documents_terms_{shares:02}",
                          table_name="course_search_documents")
    op.execute("DELETE FROM course_search_counts WHERE span = 'a'")
