"""The courses database. Migrations in ``migrations/`` create exactly these tables."""
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    UniqueConstraint,
)

from servicekit.columns import UtcDateTime
from servicekit.db import new_metadata

metadata = new_metadata()

# What courses knows of accounts' units: applied from events, never written otherwise.
# ``authority_code`` is the supervising authority as of the unit's last event; a change
# dated later takes effect on its day through jurisdiction_change_replica.
unit_replica = Table(
    "unit_replica", metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("unit_type", String(64), nullable=False),
    Column("authority_code", String(32), nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("county_code", String(8), nullable=True),
)

# Every jurisdiction change announced, one per unit and date (a change is never edited).
jurisdiction_change_replica = Table(
    "jurisdiction_change_replica", metadata,
    Column("unit_code", String(32), primary_key=True),
    Column("effective_from", Date, primary_key=True),
    Column("from_authority_code", String(16), nullable=False),
    Column("to_authority_code", String(16), nullable=False),
    Column("reference", String(100), nullable=False),
    Column("version", Integer, nullable=False),
)

routing_rule_replica = Table(
    "routing_rule_replica", metadata,
    Column("rule_id", String(32), primary_key=True),
    Column("unit_type", String(64), nullable=False, index=True),
    Column("reviewer", String(32), nullable=False),
    Column("fixed_authority_code", String(16), nullable=True),
    Column("effective_from", Date, nullable=False),
    Column("version", Integer, nullable=False),
)

# A run of sessions of one course; ``one_session_per_teacher``: a teacher holds at most
# one session of it (R-CRS-4, ``duplicate-session``).
course_series = Table(
    "course_series", metadata,
    Column("series_id", String(36), primary_key=True),
    Column("unit_code", String(32), nullable=False, index=True),
    Column("title", String(200), nullable=False),
    Column("one_session_per_teacher", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# A course (R-CRS-1): draft → submitted → approved | returned (→ submitted again) → …
# closed (locked). ``starts_on``/``ends_on`` span its meetings; ``hours`` has one decimal.
courses = Table(
    "courses", metadata,
    Column("course_id", String(36), primary_key=True),
    Column("code", String(24), nullable=False, unique=True),
    Column("status", String(16), nullable=False),
    Column("title", String(200), nullable=False),
    Column("unit_code", String(32), nullable=False),
    Column("organiser_account_id", String(36), nullable=False),
    Column("audiences", JSON, nullable=False),
    Column("class_type", String(32), nullable=False),
    Column("nature", String(32), nullable=False),
    Column("category", String(32), nullable=False),
    Column("subcategory", String(32), nullable=False),
    Column("subject", String(32), nullable=False),
    Column("time_slot", String(32), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("hours", Numeric(5, 1), nullable=False),
    Column("place", String(200), nullable=False),
    Column("county_code", String(8), nullable=False),
    Column("lecturers", JSON, nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("enrolment_opens_at", UtcDateTime, nullable=False),
    Column("enrolment_closes_at", UtcDateTime, nullable=False),
    Column("organiser_accepts", Boolean, nullable=False),
    Column("fairness", String(16), nullable=False),  # first_come | lottery
    Column("series_id", String(36), ForeignKey("course_series.series_id"), nullable=True,
           index=True),
    # Routed at submission (R-CRS-3): the authority whose reviewers see it in their queue.
    Column("reviewing_authority_code", String(16), nullable=True),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("submitted_at", UtcDateTime, nullable=True),
    Column("approved_at", UtcDateTime, nullable=True),
    Column("closed_at", UtcDateTime, nullable=True),
    CheckConstraint("capacity > 0", name="ck_courses_capacity_positive"),
    CheckConstraint("hours > 0", name="ck_courses_hours_positive"),
    CheckConstraint("enrolment_opens_at < enrolment_closes_at", name="ck_courses_window_ordered"),
    Index("ix_courses_unit_status", "unit_code", "status"),
    Index("ix_courses_status_starts_on", "status", "starts_on"),
    Index("ix_courses_reviewer_queue", "reviewing_authority_code", "status", "submitted_at"),
)

# A teacher's place in a course (R-CRS-4): one row per course and teacher, whatever its
# state (enrolled, waitlisted, pending, applied, declined, cancelled, not drawn…);
# ``arrival`` is the course's sequence number of the attempt that made it.
enrolments = Table(
    "enrolments", metadata,
    Column("enrolment_id", String(36), primary_key=True),
    Column("course_id", String(36), ForeignKey("courses.course_id"), nullable=False),
    Column("account_id", String(36), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("arrival", BigInteger, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("course_id", "account_id", name="uq_enrolments_course_account"),
    UniqueConstraint("course_id", "arrival", name="uq_enrolments_course_arrival"),
    Index("ix_enrolments_course_status", "course_id", "status"),
)

# -- enrolment (R-CRS-4) ------------------------------------------------------------------
# One row per course that has had an attempt, made at its first: the seats taken
# (``enrolled`` counts enrolled and pending: a pending teacher holds a seat until the
# organiser decides), the waiting list's length, and the course's arrival counter. Every
# attempt moves the counter and a seat or a place on the waiting list in one conditional
# ``UPDATE … RETURNING``, whose row lock orders the course's attempts: never count, then
# insert. ``last_outcome`` is what that statement decided (seat, wait, full or refused).
course_seats = Table(
    "course_seats", metadata,
    Column("course_id", String(36), ForeignKey("courses.course_id"), primary_key=True),
    Column("enrolled", Integer, nullable=False),
    Column("waitlisted", Integer, nullable=False),
    Column("arrivals", BigInteger, nullable=False),
    Column("last_outcome", String(16), nullable=True),
    CheckConstraint("enrolled >= 0 AND waitlisted >= 0", name="seats_not_negative"),
)

# Every attempt to enrol, refused ones too, with its arrival number and what it got:
# enrolled, waitlisted, pending, applied, or the refusal's slug (course-full,
# already-enrolled, duplicate-session, enrolment-closed). A complaint is answered from here.
enrolment_attempts = Table(
    "enrolment_attempts", metadata,
    Column("attempt_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("course_id", String(36), nullable=False),
    Column("account_id", String(36), nullable=False),
    Column("arrival", BigInteger, nullable=False),
    Column("outcome", String(24), nullable=False),
    Column("enrolment_id", String(36), nullable=True),
    Column("at", UtcDateTime, nullable=False),
    UniqueConstraint("course_id", "arrival", name="uq_enrolment_attempts_course_arrival"),
    Index("ix_enrolment_attempts_course_account", "course_id", "account_id"),
)

# A teacher's one session of a series whose sessions are one per teacher: the primary key
# is the rule (``duplicate-session``), so two sessions taken at the same instant cannot
# both commit. Written with the enrolment, removed when it ends (cancelled, declined…).
series_holds = Table(
    "series_holds", metadata,
    Column("series_id", String(36), primary_key=True),
    Column("account_id", String(36), primary_key=True),
    Column("course_id", String(36), nullable=False),
)

# A lottery course's draw (services/courses/README.md): the seed is made when the window
# opens and only its SHA-256 is shown until the draw, which reveals it with the result.
lotteries = Table(
    "lotteries", metadata,
    Column("course_id", String(36), ForeignKey("courses.course_id"), primary_key=True),
    Column("seed_sha256", String(64), nullable=False),
    Column("seed", String(64), nullable=False),
    Column("published_at", UtcDateTime, nullable=False),
    Column("drawn_at", UtcDateTime, nullable=True),
    Column("applicants", Integer, nullable=True),
    Column("winners", Integer, nullable=True),
)

# Mail owed to a teacher about an enrolment (promoted, accepted, declined, won, lost):
# written with the change it tells of, sent after the commit by a background thread and
# retried by ``send-enrolment-mails``, at most a few times.
enrolment_mails = Table(
    "enrolment_mails", metadata,
    Column("mail_id", Integer, primary_key=True, autoincrement=True),
    Column("enrolment_id", String(36), nullable=False),
    Column("course_id", String(36), nullable=False),
    Column("account_id", String(36), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("tried_at", UtcDateTime, nullable=True),
    Column("done_at", UtcDateTime, nullable=True),
    Column("outcome", String(16), nullable=True),  # sent, no-address
    Column("last_error", String(500), nullable=True),
    Index("ix_enrolment_mails_waiting", "done_at", "mail_id"),
)
