"""The stats database. Migrations in ``migrations/`` create exactly these tables.

``facts`` is the append-only log of every event stats applied (the figures' inputs), so
that ``rebuild`` can throw the read models away and replay it. The rest is derived from it:
the figures, and what applying a fact needs to know (units and their jurisdiction history,
courses, the hours and transfer records as they stand, who visited on a day)."""
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
)

from servicekit.columns import UtcDateTime
from servicekit.db import new_metadata

metadata = new_metadata()

facts = Table(
    "facts", metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("event_type", String(80), nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("data", JSON, nullable=False),
)

figures = Table(
    "figures", metadata,
    Column("measure", String(40), nullable=False),
    Column("dimension", String(16), nullable=False),
    Column("period", String(5), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("member", String(80), nullable=False),
    Column("value", Numeric(18, 1), nullable=False),
    # A series (one member over a range of periods) reads by member first. Most rows are
    # day rows, which only series read: they go in this one index.
    PrimaryKeyConstraint("measure", "dimension", "period", "member", "starts_on"),
)
# A table sums month rows over a range, for every member: the month rows again, by month
# first. Only them (about a tenth of the rows): each row written costs its index entries.
Index("ix_figures_months", figures.c.measure, figures.c.dimension, figures.c.starts_on,
      figures.c.member, postgresql_where=figures.c.period == "month",
      sqlite_where=figures.c.period == "month")

units = Table(
    "units", metadata,
    Column("unit_code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("unit_type", String(40), nullable=False),
    Column("authority_code", String(16), nullable=False),
    Column("county_code", String(8), nullable=True),
    Column("version", Integer, nullable=False),
)

authorities = Table(
    "authorities", metadata,
    Column("authority_code", String(16), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("county_code", String(8), nullable=True),
    Column("version", Integer, nullable=False),
)

jurisdiction_changes = Table(
    "jurisdiction_changes", metadata,
    Column("unit_code", String(32), primary_key=True),
    Column("effective_from", Date, primary_key=True),
    Column("from_authority", String(16), nullable=False),
    Column("to_authority", String(16), nullable=False),
)

courses = Table(
    "courses", metadata,
    Column("course_id", String(36), primary_key=True),
    Column("code", String(40), nullable=False),
    Column("unit_code", String(32), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("list_sent", Boolean, nullable=False),
    Column("held", Boolean, nullable=False),
    # From course.registered.v2; NULL while only v1 told the course (its hours not counted).
    Column("hours", Numeric(6, 1), nullable=True),
)

# Courses whose first submission named a meeting (R-CRS-10), each counted once whether v1,
# v2 or both of course.submitted tell it; ``meeting_only`` NULL while only v1 did.
meeting_courses = Table(
    "meeting_courses", metadata,
    Column("course_id", String(36), primary_key=True),
    Column("meeting_only", Boolean, nullable=True),
)

# Hours issued as they stand, so a re-issue (an amendment) adds only the difference.
hour_lines = Table(
    "hour_lines", metadata,
    Column("course_id", String(36), primary_key=True),
    Column("account_id", String(36), primary_key=True),
    Column("unit_code", String(32), nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("hours", Numeric(8, 1), nullable=False),
    Column("tags", JSON, nullable=False),
    Column("version", Integer, nullable=False),
)

transfer_records = Table(
    "transfer_records", metadata,
    Column("source", String(64), primary_key=True),
    Column("record_key", String(200), primary_key=True),
    Column("course_key", String(64), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("hours", Numeric(8, 1), nullable=False),
    Column("tags", JSON, nullable=False),
    Column("live", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
)

# A transfer course is held while at least one live record names it.
transfer_courses = Table(
    "transfer_courses", metadata,
    Column("source", String(64), primary_key=True),
    Column("course_key", String(64), primary_key=True),
    Column("starts_on", Date, nullable=False),
    Column("live_records", Integer, nullable=False),
)

visitors = Table(
    "visitors", metadata,
    Column("day", Date, primary_key=True),
    Column("account_id", String(36), primary_key=True),
)

# Each unit's traffic light as courses last announced it, per year (R-CRS-7): ``overdue`` is
# the number of its courses whose attendee list is past its deadline (R-STA-2).
unit_lights = Table(
    "unit_lights", metadata,
    Column("unit_code", String(32), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("light", String(8), nullable=False),
    Column("overdue", Integer, nullable=False),
    Column("version", Integer, nullable=False),
)
