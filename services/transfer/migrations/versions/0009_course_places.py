"""The duplicate match rule (R-TRF-11) reads a course's place from the course itself: its
organiser, start date and normalised title's digest, the digest a column of
``transfer_courses`` and the three one index. ``match_keys`` (revision 0005) held the
same place once more for every attendance record kept — a second write of each record,
kept in step by hand whenever a course changed — and goes.

The digests of the courses kept are computed here, by the rule's own function, so that
they are the ones every later write computes. A sealed year's partitions refuse every
write (revision 0006's trigger): this migration alone adds the column's value there, its
trigger off for the statement only; no record changes.

Revision ID: 0009
Revises: 0008
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.transfer.domain.titles import title_digest

revision = "0009"
down_revision = "0008"

_BATCH = 5_000
_COURSES = sa.table("transfer_courses", sa.column("source"), sa.column("course_key"),
                    sa.column("start_year"), sa.column("title"), sa.column("title_digest"))


def upgrade() -> None:
    op.add_column("transfer_courses", sa.Column("title_digest", sa.String(32)))
    _fill_digests()
    with op.batch_alter_table("transfer_courses") as table:
        table.alter_column("title_digest", existing_type=sa.String(32), nullable=False)
    op.create_index("ix_transfer_courses_place", "transfer_courses",
                    ["organiser_unit_code", "start_date", "title_digest"])
    op.drop_index("ix_match_keys_source_course_key", "match_keys")
    op.drop_table("match_keys")


def _fill_digests() -> None:
    connection = op.get_bind()
    sealed = _sealed_partitions(connection)
    for name in sealed:
        op.execute(f"ALTER TABLE {name} DISABLE TRIGGER {name}_sealed")
    c = _COURSES.c
    write = sa.update(_COURSES).where(
        c.source == sa.bindparam("b_source"), c.course_key == sa.bindparam("b_key"),
        c.start_year == sa.bindparam("b_year")).values(title_digest=sa.bindparam("b_digest"))
    after: tuple[str, str, int] | None = None
    while True:
        query = sa.select(c.source, c.course_key, c.start_year, c.title).order_by(
            c.source, c.course_key, c.start_year).limit(_BATCH)
        if after is not None:
            query = query.where(sa.tuple_(c.source, c.course_key, c.start_year) >
                                sa.tuple_(*after))
        rows = connection.execute(query).all()
        if not rows:
            break
        connection.execute(write, [{"b_source": source, "b_key": key, "b_year": year,
                                    "b_digest": title_digest(title)}
                                   for source, key, year, title in rows])
        after = (rows[-1][0], rows[-1][1], rows[-1][2])
    for name in sealed:
        op.execute(f"ALTER TABLE {name} ENABLE TRIGGER {name}_sealed")


def _sealed_partitions(connection: sa.Connection) -> list[str]:
    """The sealed years' course partitions (PostgreSQL only: SQLite has one table and no
    trigger)."""
    if connection.dialect.name != "postgresql":
        return []
    years = connection.execute(sa.text("SELECT year FROM sealed_years ORDER BY year"))
    return [f"transfer_courses_y{int(year)}" for (year,) in years]


def downgrade() -> None:
    op.create_table(
        "match_keys",
        sa.Column("organiser_unit_code", sa.String(16), nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("title_digest", sa.String(32), nullable=False),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("course_key", sa.String(60), nullable=False),
        sa.PrimaryKeyConstraint("organiser_unit_code", "start_date", "title_digest",
                                "account_id", "source", name=op.f("pk_match_keys")),
    )
    op.create_index("ix_match_keys_source_course_key", "match_keys", ["source", "course_key"])
    # Each live production record's key; of two courses of one source at one place, the
    # first by key (as revision 0005's writes kept it).
    op.execute(
        "INSERT INTO match_keys (organiser_unit_code, start_date, title_digest, account_id, "
        "source, course_key) SELECT c.organiser_unit_code, c.start_date, c.title_digest, "
        "a.account_id, a.source, min(a.course_key) FROM transfer_attendance AS a "
        "JOIN transfer_courses AS c ON c.source = a.source AND c.course_key = a.course_key "
        "AND c.start_year = a.start_year "
        "WHERE a.withdrawn_reason IS NULL AND a.trial = false "
        "GROUP BY c.organiser_unit_code, c.start_date, c.title_digest, a.account_id, a.source")
    op.drop_index("ix_transfer_courses_place", "transfer_courses")
    with op.batch_alter_table("transfer_courses") as table:
        table.drop_column("title_digest")
