"""The transfer database. Migrations in ``migrations/`` create exactly these tables.

Records are kept by the source's own keys: a course by (source, course key), an
attendance by (source, course key, account id). No national ID is stored: an attendance
holds the account the teacher was resolved to, and a digest of its content (with the
account id) tells an unchanged re-send from a change. ``trial`` marks what a source sent
while in test: kept apart, never published nor counted.

Both record tables carry ``start_year``, the year the course starts (an attendance takes
its course's). On PostgreSQL they are partitioned by it (``PARTITION BY RANGE
(start_year)``, one partition a year, ``transfer_courses_y2013`` …, made by
``records_repo.ensure_year_partitions`` before a year's first row), so a sealed year is a
read-only partition that can be detached (R-TRF-12); on SQLite they are one table each.
The year is part of the primary key because PostgreSQL needs the partition key in every
unique constraint; a course key is still one row, since every write looks its key up
first under the source's row lock.
"""
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from servicekit.columns import UtcDateTime
from servicekit.db import new_metadata

metadata = new_metadata()
_Serial = BigInteger().with_variant(Integer(), "sqlite")

sources = Table(
    "sources", metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("owner_unit", String(16), nullable=False, index=True),
    Column("mode", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # Whom findings (a late or missing report, an audit that differs) are mailed to: the
    # owner unit's maintainer of the source.
    Column("contact_email", String(254)),
)

source_steps = Table(
    "source_steps", metadata,
    Column("id", _Serial, primary_key=True, autoincrement=True),
    Column("source", String(32), ForeignKey("sources.code"), nullable=False, index=True),
    Column("name", String(32), nullable=False),
    Column("by", String(128), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("reference", String(100)),
)

courses = Table(
    "transfer_courses", metadata,
    Column("source", String(32), primary_key=True),
    Column("course_key", String(60), primary_key=True),
    Column("start_year", SmallInteger, primary_key=True, autoincrement=False),
    Column("digest", String(32), nullable=False),
    Column("title", String(200), nullable=False),
    # The normalised title's digest (``domain/titles.py``): with the organiser and the
    # start date, the course's place under the duplicate match rule (R-TRF-11), which
    # ``ix_transfer_courses_place`` finds.
    Column("title_digest", String(32), nullable=False),
    Column("organiser_unit_code", String(16), nullable=False),
    Column("county_code", String(3), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("hours", Numeric(5, 1), nullable=False),
    Column("class_type", String(32), nullable=False),
    Column("category", String(64), nullable=False),
    Column("tags", JSON, nullable=False),
    Column("lecturers", JSON, nullable=False),
    Column("trial", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("withdrawn_reason", String(500)),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_transfer_courses_place", "organiser_unit_code", "start_date", "title_digest"),
)

attendance = Table(
    "transfer_attendance", metadata,
    Column("source", String(32), primary_key=True),
    Column("course_key", String(60), primary_key=True),
    Column("account_id", String(36), primary_key=True),
    Column("start_year", SmallInteger, primary_key=True, autoincrement=False),
    Column("digest", String(32), nullable=False),
    # As the row gave it with its last change (it is part of the digest); never the ID.
    Column("teacher_name", String(100)),
    Column("school_code", String(16), nullable=False),
    Column("hours", Numeric(5, 1), nullable=False),
    Column("completed_on", Date, nullable=False),
    Column("trial", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("withdrawn_reason", String(500)),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_transfer_attendance_account_id", "account_id"),
    Index("ix_transfer_attendance_school_code", "school_code"),
)

# A year sealed by ``seal-year`` (R-TRF-12): its records are read-only (refused as
# ``sealed-year`` row errors and, on PostgreSQL, by a trigger on its partitions), and
# its partitions may be detached.
sealed_years = Table(
    "sealed_years", metadata,
    Column("year", SmallInteger, primary_key=True, autoincrement=False),
    Column("sealed_by", String(128), nullable=False),
    Column("sealed_at", UtcDateTime, nullable=False),
)

# The units as the accounts service publishes them (accounts.unit.*): a school's name
# and county, for the county export (R-TRF-9). Newer versions win.
unit_replica = Table(
    "unit_replica", metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("county_code", String(3), index=True),
    Column("version", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Every county export (R-TRF-9): who, when, which county, the filters, the format and
# how many rows went out.
county_exports = Table(
    "county_exports", metadata,
    Column("id", _Serial, primary_key=True, autoincrement=True),
    Column("county_code", String(3), nullable=False, index=True),
    Column("exported_by", String(128), nullable=False),
    Column("exported_at", UtcDateTime, nullable=False),
    Column("format", String(8), nullable=False),
    Column("filters", JSON, nullable=False),
    Column("row_count", Integer),
    Column("finished_at", UtcDateTime),
)

source_mappings = Table(
    "source_mappings", metadata,
    Column("source", String(32), ForeignKey("sources.code"), primary_key=True),
    Column("part", String(16), primary_key=True),
    Column("table_name", String(100), nullable=False),
    Column("columns", JSON, nullable=False),
    Column("updated_by", String(128), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# A monthly file and its report (R-TRF-3). Both hold national IDs, so both are kept only
# sealed with the file keyring (the upload's id as associated data) and dropped after
# the retention period (``purge-files``); the row stays, with when it was purged.
uploads = Table(
    "uploads", metadata,
    Column("upload_id", String(36), primary_key=True),
    Column("source", String(32), ForeignKey("sources.code"), nullable=False, index=True),
    Column("filename", String(255), nullable=False),
    Column("status", String(16), nullable=False),
    Column("rows_total", Integer, nullable=False),
    Column("rows_done", Integer, nullable=False),
    Column("counts", JSON),
    Column("error_count", Integer, nullable=False),
    Column("failure", String(500)),
    Column("sealed_file", Text),
    Column("sealed_report", Text),
    Column("created_by", String(128), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("purged_at", UtcDateTime),
)

# An operator's exception to the freeze (R-TRF-5): this course of this source may be added
# or changed although it starts on or before the freeze date; the reference is the
# decision's number.
freeze_exceptions = Table(
    "freeze_exceptions", metadata,
    Column("source", String(32), ForeignKey("sources.code"), primary_key=True),
    Column("course_key", String(60), primary_key=True),
    Column("reference", String(100), nullable=False),
    Column("granted_by", String(128), nullable=False),
    Column("granted_at", UtcDateTime, nullable=False),
)

# What arrived from a source, one row per day (Taiwan) and kind: a batch pushed (``push``)
# or a file processed (``file``). The deadlines (R-TRF-5/6) and the archive of silent
# sources read it.
source_deliveries = Table(
    "source_deliveries", metadata,
    Column("source", String(32), ForeignKey("sources.code"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("kind", String(8), primary_key=True),
    Column("batches", Integer, nullable=False),
    Column("rows", Integer, nullable=False),
    Column("last_at", UtcDateTime, nullable=False),
)

# A source's own counts of a month (R-TRF-11), which an audit compares with what it sent.
reported_counts = Table(
    "reported_counts", metadata,
    Column("source", String(32), ForeignKey("sources.code"), primary_key=True),
    Column("month", Date, primary_key=True),
    Column("courses", Integer, nullable=False),
    Column("attendance", Integer, nullable=False),
    Column("hours", Numeric(12, 1), nullable=False),
    Column("reported_by", String(128), nullable=False),
    Column("reported_at", UtcDateTime, nullable=False),
)

# An audit (R-TRF-11): a period of a source, its months' reported and held counts and
# their differences, kept as opened.
audits = Table(
    "audits", metadata,
    Column("audit_id", String(36), primary_key=True),
    Column("source", String(32), ForeignKey("sources.code"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("first_month", Date, nullable=False),
    Column("last_month", Date, nullable=False),
    Column("lines", JSON, nullable=False),
    Column("differences", Integer, nullable=False),
    Column("opened_at", UtcDateTime, nullable=False),
    UniqueConstraint("source", "kind", "first_month"),
)

# Late and missing reports (R-TRF-5/6) as the scheduled check found them.
deadline_findings = Table(
    "deadline_findings", metadata,
    Column("source", String(32), ForeignKey("sources.code"), primary_key=True),
    Column("month", Date, primary_key=True),
    Column("status", String(16), nullable=False),
    Column("detail", JSON, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
)

# The same teacher in the same course reported by a second source (R-TRF-11, the match
# rule in ``domain/titles.py``): kept here, by the reporting source's keys, with the key
# of the record kept in ``transfer_attendance`` (no foreign key: that table is keyed and
# partitioned on its own terms). Never published, never counted.
duplicate_records = Table(
    "duplicate_records", metadata,
    Column("source", String(32), primary_key=True),
    Column("course_key", String(60), primary_key=True),
    Column("account_id", String(36), primary_key=True),
    Column("kept_source", String(32), nullable=False),
    Column("kept_course_key", String(60), nullable=False),
    Column("digest", String(32), nullable=False),
    Column("school_code", String(16), nullable=False),
    Column("hours", Numeric(5, 1), nullable=False),
    Column("completed_on", Date, nullable=False),
    Column("found_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("teacher_name", String(100)),
    # The last version published of this key (0: never): a record that was kept and then
    # became a duplicate was published; promoted again, it goes on from there.
    Column("version", Integer, nullable=False, server_default="0"),
    Index("ix_duplicate_records_kept", "kept_source", "kept_course_key", "account_id"),
)

# A finding mailed to its source's contact (R-TRF-6, R-TRF-11): a late or missing report
# of a month (``deadline``, keyed by the month) or an audit that differs (``audit``, keyed
# by its id). Written with the finding, sent after the commit; one row per finding, so a
# second run of the check mails nothing new, and what could not go out is tried again.
finding_mails = Table(
    "finding_mails", metadata,
    Column("source", String(32), ForeignKey("sources.code"), primary_key=True),
    Column("finding", String(16), primary_key=True),
    Column("finding_key", String(64), primary_key=True),
    Column("subject", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("to_address", String(254)),
    Column("attempts", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("done_at", UtcDateTime),
    Column("outcome", String(16)),
    Column("last_error", String(500)),
)
