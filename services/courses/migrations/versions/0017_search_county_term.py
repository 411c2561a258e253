"""The county as a term of the search documents' GIN indexes (R-CRS-9, issue 11
"Measured"; ``adapters/search_terms.py``).

Each GIN index over the documents' terms (the whole, the sample shares', the recent one)
is built again over the terms with the county of a published course added (``c:`` and its
code), so that a keyword with a county is intersected within the index. No document is
rewritten: the county is a column of each already, and the index computes the term from
it. The county's own B-tree index (revision 0015), built to be intersected with the terms
in bitmaps, has no search left to serve and goes.

Revision ID: 0017
"""
from alembic import op

revision = "0017"
down_revision = "0016"

TABLE = "course_search_documents"
BEFORE = "string_to_array(terms, ' ')"
AFTER = "string_to_array(terms || coalesce(' c:' || county_code, ''), ' ')"
# Each GIN index over the terms, by name prefix: the sample shares' and the recent one's
# names follow theirs (revision 0016; the recent one's day is its bound, as a roll left it).
TERMS_INDEXES = f"ix_{TABLE}_terms"


def upgrade() -> None:
    op.drop_index("ix_course_search_documents_county", table_name=TABLE)
    if op.get_bind().dialect.name != "postgresql":
        return
    # A GIN index builds several times faster with room to sort its entries in memory
    # (at 2 M courses: the whole index's 80 million entries).
    op.execute("SET LOCAL maintenance_work_mem = '256MB'")
    _rebuild(AFTER)


def downgrade() -> None:
    op.create_index("ix_course_search_documents_county", TABLE, ["county_code"])
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("SET LOCAL maintenance_work_mem = '256MB'")
    _rebuild(BEFORE)


def _rebuild(expression: str) -> None:
    """Each GIN index over the terms (found by name, whatever it was built over), dropped
    and built again over ``expression`` with its own name and predicate."""
    found = op.get_bind().exec_driver_sql(
        "SELECT c.relname, pg_get_expr(i.indpred, i.indrelid) "
        "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        f"WHERE i.indrelid = '{TABLE}'::regclass AND starts_with(c.relname, "
        f"'{TERMS_INDEXES}')").all()
    for name, predicate in found:
        op.execute(f"DROP INDEX {name}")
        where = f" WHERE {predicate}" if predicate else ""
        op.execute(f"CREATE INDEX {name} ON {TABLE} USING gin ({expression}){where}")
