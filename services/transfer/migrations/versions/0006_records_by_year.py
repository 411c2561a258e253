"""Records by year (R-TRF-12): courses and attendance carry the year their course starts
and, on PostgreSQL, are partitioned by it; the teacher's name as sent; sealed years; the
units' replica and the county exports' audit (R-TRF-9).

The two record tables are rebuilt on a live database the same way on both dialects:
rename the table aside (its indexes, and any column another migration gave it, are
carried over), create the new one (on PostgreSQL ``PARTITION BY RANGE
(start_year)`` with one partition for each year its rows hold), move the rows with their
year (an attendance takes its course's), drop the old table. It runs in the migration's
one transaction, so a reader sees either the old table or the new one; writers wait on
the table's lock for the minutes the move takes (tens of millions of rows: plan it in a
quiet hour, see the service README).

Revision ID: 0006
Revises: 0004
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"

SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

COURSE_COLUMNS = ("source", "course_key", "digest", "title", "organiser_unit_code",
                  "county_code", "start_date", "end_date", "hours", "class_type", "category",
                  "tags", "lecturers", "trial", "version", "withdrawn_reason", "updated_at")
ATTENDANCE_COLUMNS = ("source", "course_key", "account_id", "digest", "school_code", "hours",
                      "completed_on", "trial", "version", "withdrawn_reason", "updated_at")

SEALED_TRIGGER_FUNCTION = """
CREATE OR REPLACE FUNCTION transfer_sealed_year() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the records of % are sealed (read-only)', TG_TABLE_NAME
        USING ERRCODE = 'read_only_sql_transaction';
END $$
"""


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _year_of(column: str) -> str:
    if _postgres():
        return f"CAST(EXTRACT(YEAR FROM {column}) AS SMALLINT)"
    return f"CAST(strftime('%Y', {column}) AS INTEGER)"


def _course_columns(with_year: bool) -> list[sa.Column]:
    return [
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("course_key", sa.String(60), nullable=False),
        *([sa.Column("start_year", sa.SmallInteger, autoincrement=False, nullable=False)]
          if with_year else []),
        sa.Column("digest", sa.String(32), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("organiser_unit_code", sa.String(16), nullable=False),
        sa.Column("county_code", sa.String(3), nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("end_date", sa.Date, nullable=False),
        sa.Column("hours", sa.Numeric(5, 1), nullable=False),
        sa.Column("class_type", sa.String(32), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("lecturers", sa.JSON, nullable=False),
        sa.Column("trial", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("withdrawn_reason", sa.String(500)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _attendance_columns(with_year: bool) -> list[sa.Column]:
    return [
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("course_key", sa.String(60), nullable=False),
        sa.Column("account_id", sa.String(36), nullable=False),
        *([sa.Column("start_year", sa.SmallInteger, autoincrement=False, nullable=False)]
          if with_year else []),
        sa.Column("digest", sa.String(32), nullable=False),
        *([sa.Column("teacher_name", sa.String(100))] if with_year else []),
        sa.Column("school_code", sa.String(16), nullable=False),
        sa.Column("hours", sa.Numeric(5, 1), nullable=False),
        sa.Column("completed_on", sa.Date, nullable=False),
        sa.Column("trial", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("withdrawn_reason", sa.String(500)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _set_aside(table: str) -> tuple[str, list[dict[str, Any]]]:
    """The table renamed aside with its primary key, its indexes dropped (PostgreSQL
    names them schema-wide) and returned, so the new table takes the names."""
    old = f"{table}_before_0006"
    indexes = [dict(index) for index in sa.inspect(op.get_bind()).get_indexes(table)]
    for index in indexes:
        op.drop_index(str(index["name"]), table_name=table)
    op.rename_table(table, old)
    if _postgres():
        op.execute(f"ALTER INDEX pk_{table} RENAME TO pk_{old}")
    return old, indexes


def _extra_columns(old: str, known: tuple[str, ...]) -> list[sa.Column]:
    """Columns another migration gave the table that this one does not name: kept as
    they are, with their rows."""
    return [sa.Column(c["name"], c["type"], nullable=c["nullable"],
                      server_default=sa.text(str(c["default"])) if c.get("default") else None)
            for c in sa.inspect(op.get_bind()).get_columns(old) if c["name"] not in known]


def _indexes_again(table: str, indexes: list[dict[str, Any]]) -> None:
    for index in indexes:
        op.create_index(index["name"], table, index["column_names"],
                        unique=bool(index.get("unique")))


def _partitions(table: str, years_query: str) -> None:
    if not _postgres():
        return
    for (year,) in op.get_bind().execute(sa.text(years_query)):
        op.execute(f"CREATE TABLE IF NOT EXISTS {table}_y{int(year)} PARTITION OF {table} "
                   f"FOR VALUES FROM ({int(year)}) TO ({int(year) + 1})")


def upgrade() -> None:
    old_courses, course_indexes = _set_aside("transfer_courses")
    old_attendance, attendance_indexes = _set_aside("transfer_attendance")
    extra_courses = _extra_columns(old_courses, COURSE_COLUMNS)
    extra_attendance = _extra_columns(old_attendance, ATTENDANCE_COLUMNS)
    partitioned: dict[str, Any] = {"postgresql_partition_by": "RANGE (start_year)"}
    op.create_table("transfer_courses", *_course_columns(True), *extra_courses,
                    sa.PrimaryKeyConstraint("source", "course_key", "start_year",
                                            name=op.f("pk_transfer_courses")), **partitioned)
    op.create_table("transfer_attendance", *_attendance_columns(True), *extra_attendance,
                    sa.PrimaryKeyConstraint("source", "course_key", "account_id", "start_year",
                                            name=op.f("pk_transfer_attendance")), **partitioned)
    _partitions("transfer_courses",
                f"SELECT DISTINCT {_year_of('start_date')} FROM {old_courses}")
    _partitions("transfer_attendance",
                f"SELECT DISTINCT {_year_of('c.start_date')} FROM {old_attendance} a "
                f"JOIN {old_courses} c ON c.source = a.source AND c.course_key = a.course_key")
    columns = ", ".join([*COURSE_COLUMNS, *(c.name for c in extra_courses)])
    op.execute(f"INSERT INTO transfer_courses ({columns}, start_year) "
               f"SELECT {columns}, {_year_of('start_date')} FROM {old_courses}")
    names = [*ATTENDANCE_COLUMNS, *(c.name for c in extra_attendance)]
    op.execute(f"INSERT INTO transfer_attendance ({', '.join(names)}, start_year) "
               f"SELECT {', '.join('a.' + c for c in names)}, "
               f"{_year_of('c.start_date')} FROM {old_attendance} a "
               f"JOIN {old_courses} c ON c.source = a.source AND c.course_key = a.course_key")
    op.drop_table(old_attendance)
    op.drop_table(old_courses)
    _indexes_again("transfer_courses", course_indexes)
    _indexes_again("transfer_attendance", attendance_indexes)
    op.create_index("ix_transfer_attendance_school_code", "transfer_attendance",
                    ["school_code"])
    if _postgres():
        op.execute(SEALED_TRIGGER_FUNCTION)
    op.create_table(
        "sealed_years",
        sa.Column("year", sa.SmallInteger, autoincrement=False, nullable=False),
        sa.Column("sealed_by", sa.String(128), nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_sealed_years")),
    )
    op.create_table(
        "unit_replica",
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("county_code", sa.String(3)),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_unit_replica")),
    )
    op.create_index(op.f("ix_unit_replica_county_code"), "unit_replica", ["county_code"])
    op.create_table(
        "county_exports",
        sa.Column("id", SERIAL, autoincrement=True, nullable=False),
        sa.Column("county_code", sa.String(3), nullable=False),
        sa.Column("exported_by", sa.String(128), nullable=False),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("filters", sa.JSON, nullable=False),
        sa.Column("row_count", sa.Integer),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_county_exports")),
    )
    op.create_index(op.f("ix_county_exports_county_code"), "county_exports", ["county_code"])


def downgrade() -> None:
    op.drop_index(op.f("ix_county_exports_county_code"), "county_exports")
    op.drop_table("county_exports")
    op.drop_index(op.f("ix_unit_replica_county_code"), "unit_replica")
    op.drop_table("unit_replica")
    op.drop_table("sealed_years")
    old_courses, course_indexes = _set_aside("transfer_courses")
    old_attendance, attendance_indexes = _set_aside("transfer_attendance")
    extra_courses = _extra_columns(old_courses, (*COURSE_COLUMNS, "start_year"))
    extra_attendance = _extra_columns(old_attendance,
                                      (*ATTENDANCE_COLUMNS, "start_year", "teacher_name"))
    op.create_table("transfer_courses", *_course_columns(False), *extra_courses,
                    sa.PrimaryKeyConstraint("source", "course_key",
                                            name=op.f("pk_transfer_courses")))
    op.create_table("transfer_attendance", *_attendance_columns(False), *extra_attendance,
                    sa.PrimaryKeyConstraint("source", "course_key", "account_id",
                                            name=op.f("pk_transfer_attendance")))
    for table, columns, old in (
            ("transfer_courses", [*COURSE_COLUMNS, *(c.name for c in extra_courses)],
             old_courses),
            ("transfer_attendance",
             [*ATTENDANCE_COLUMNS, *(c.name for c in extra_attendance)], old_attendance)):
        names = ", ".join(columns)
        op.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {old}")
        op.drop_table(old)  # on PostgreSQL its partitions go with it
    _indexes_again("transfer_courses", course_indexes)
    _indexes_again("transfer_attendance", [
        index for index in attendance_indexes
        if index["name"] != "ix_transfer_attendance_school_code"])
    if _postgres():
        op.execute("DROP FUNCTION IF EXISTS transfer_sealed_year()")
