"""The courses database. Migrations in ``migrations/`` create exactly these tables."""
from datetime import UTC, datetime

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
    Text,
    Time,
    UniqueConstraint,
    text,
)

from servicekit.columns import UtcDateTime
from servicekit.db import new_metadata
from services.courses.adapters import recent_index, search_terms

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

# What the catalogue's sort indexes include beside their keys (PostgreSQL, revision 0016).
COVERED_BY_SORTS = ["status", "course_id"]
# The sample shares (of 256, by the id's first two hex digits) a large match is counted
# over: the share of n is the ids from prefix n - 1 up to 2n - 1, apart from the others, so
# that on PostgreSQL each has a GIN index over its documents' terms that no other share's
# statement can use (revision 0016).
SAMPLE_SHARES = (1, 2, 4, 8, 16)


def sample_range(shares: int) -> tuple[str, str]:
    """The prefixes a sample share's ids are from (inclusive) and below."""
    return f"{shares - 1:02x}", f"{2 * shares - 1:02x}"


def sample_predicate(shares: int) -> str:
    """A sample share's ids, as its GIN index's predicate and its statements say it."""
    low, high = sample_range(shares)
    return f"course_id >= '{low}' AND course_id < '{high}'"


# The first last day of the documents the recent GIN index holds (revision 0016): the
# courses to come, and the most recent matches a large match ranks, are looked up in the
# posting lists of the courses ending since then, not in a common word's whole one. The
# bound a database migrated today starts with (1 January of last year); the command
# roll-search-index moves it on as the years go by (adapters/recent_index.py).
RECENT_FROM = recent_index.bound_for(datetime.now(UTC).date())

# A course (R-CRS-1): draft → submitted → approved | returned (→ submitted again) → …
# closed (locked). ``starts_on``/``ends_on`` span its meetings; ``hours`` has one decimal.
courses = Table(
    "courses", metadata,
    Column("course_id", String(36), primary_key=True),
    Column("code", String(24), nullable=False, unique=True),
    # Up to ``attendance_submitted`` (20 characters): 24 since revision 0006.
    Column("status", String(24), nullable=False),
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
    # The catalogue hides courses that have ended unless asked (R-CRS-9, revision 0007).
    Index("ix_courses_ends_on", "ends_on"),
    # The catalogue's sorts read in index order, not sorting the courses found (revision 0012);
    # on PostgreSQL with the status and id, so that a deep page is read from the index alone,
    # not from a course row per course skipped (revision 0016).
    Index("ix_courses_starts_on_code", "starts_on", "code", postgresql_include=COVERED_BY_SORTS),
    Index("ix_courses_approved_at_code", "approved_at", "code",
          postgresql_include=COVERED_BY_SORTS),
    Index("ix_courses_title_code", "title", "code", postgresql_include=COVERED_BY_SORTS),
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

# -- closing: attendance and hours, amendments, the traffic light, transcripts -------------
# (R-CRS-5…7, R-CRS-11)

# The attendee list the organiser sent (R-CRS-5): one row per teacher, replaced whole by
# each sending; ``walk_in`` a teacher who came without an enrolment.
attendees = Table(
    "attendees", metadata,
    Column("course_id", String(36), ForeignKey("courses.course_id"), primary_key=True),
    Column("account_id", String(36), primary_key=True),
    Column("hours", Numeric(5, 1), nullable=False),
    Column("walk_in", Boolean, nullable=False),
    CheckConstraint("hours > 0", name="ck_attendees_hours_positive"),
)

# When the list was last sent, by whom, and whether after the issuing deadline.
course_closing = Table(
    "course_closing", metadata,
    Column("course_id", String(36), ForeignKey("courses.course_id"), primary_key=True),
    Column("submitted_at", UtcDateTime, nullable=False),
    Column("submitted_by", String(36), nullable=False),
    Column("late", Boolean, nullable=False),
)

# Every decision on an attendee list, kept (R-CRS-5).
attendance_reviews = Table(
    "attendance_reviews", metadata,
    Column("review_id", String(36), primary_key=True),
    Column("course_id", String(36), ForeignKey("courses.course_id"), nullable=False, index=True),
    Column("decision", String(8), nullable=False),  # approve | return
    Column("reasons", JSON, nullable=False),
    Column("comment", String(1000), nullable=True),
    Column("reviewer_account_id", String(36), nullable=False),
    Column("decided_at", UtcDateTime, nullable=False),
)

# Who approves amendments to closed courses, by the unit's category (R-CRS-6): ``network``,
# ``county`` (the unit's county) or a fixed authority code (the ministry's review group).
amendment_routes = Table(
    "amendment_routes", metadata,
    Column("category", String(16), primary_key=True),  # national | county | legal_entity
    Column("approver", String(32), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by", String(36), nullable=False),
)

# A request to change a closed course (R-CRS-6), batched by approver and month; ``changes``
# the new values by field, ``previous`` the values when asked.
amendments = Table(
    "amendments", metadata,
    Column("amendment_id", String(36), primary_key=True),
    Column("course_id", String(36), ForeignKey("courses.course_id"), nullable=False, index=True),
    Column("unit_code", String(32), nullable=False),
    Column("changes", JSON, nullable=False),
    Column("previous", JSON, nullable=False),
    Column("reason", String(1000), nullable=False),
    Column("requested_by", String(36), nullable=False),
    Column("requested_at", UtcDateTime, nullable=False),
    Column("approver_authority_code", String(32), nullable=False),
    Column("batch_month", String(7), nullable=False),  # YYYY-MM (Taipei) of the request
    Column("due_on", Date, nullable=False),  # the 5th of the next month
    Column("status", String(16), nullable=False),  # pending | approved | rejected
    Column("decided_by", String(36), nullable=True),
    Column("decided_at", UtcDateTime, nullable=True),
    Column("reference", String(100), nullable=True),
    Column("comment", String(1000), nullable=True),
    Index("ix_amendments_batch", "approver_authority_code", "batch_month"),
    Index("ix_amendments_unit", "unit_code", "requested_at"),  # a unit's own list
)

# Every change applied to a closed course: who, when, old and new, the approving reference.
course_audit = Table(
    "course_audit", metadata,
    Column("audit_id", String(36), primary_key=True),
    Column("course_id", String(36), ForeignKey("courses.course_id"), nullable=False, index=True),
    Column("amendment_id", String(36), ForeignKey("amendments.amendment_id"), nullable=False),
    Column("field", String(64), nullable=False),
    Column("old_value", JSON, nullable=True),
    Column("new_value", JSON, nullable=True),
    Column("changed_by", String(36), nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
    Column("reference", String(100), nullable=False),
)

# The light each unit shows (R-CRS-7) as last counted; ``version`` grows with each change.
unit_lights = Table(
    "unit_lights", metadata,
    Column("unit_code", String(32), primary_key=True),
    Column("year", Integer, nullable=False),
    Column("overdue", Integer, nullable=False),
    Column("light", String(8), nullable=False),
    Column("version", Integer, nullable=False),
    Column("counted_at", UtcDateTime, nullable=False),
)

# Each teacher's training hours (R-CRS-11): the network's own closed courses (source
# ``network``, key ``<course_id>:<account_id>``) and transfer records (their source and
# key), each as it now stands; a withdrawn record stays, marked, so a late older version
# cannot bring it back.
transcript_entries = Table(
    "transcript_entries", metadata,
    Column("source", String(32), primary_key=True),
    Column("record_key", String(100), primary_key=True),
    Column("account_id", String(36), nullable=False, index=True),
    Column("hours", Numeric(6, 1), nullable=False),
    Column("title", String(200), nullable=False),
    Column("organiser", String(200), nullable=False),
    Column("starts_on", Date, nullable=True),  # none on a withdrawal's tombstone
    Column("ends_on", Date, nullable=True),
    Column("tags", JSON, nullable=False),
    Column("withdrawn", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# -- registration and review (R-CRS-1…3, R-CRS-8) -------------------------------------------

# A course's meetings (one or more): ``courses.starts_on``/``ends_on`` are their first and
# last day, kept in step by the repository.
course_meetings = Table(
    "course_meetings", metadata,
    Column("course_id", String(36), ForeignKey("courses.course_id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("meets_on", Date, nullable=False),
    Column("starts_at", Time, nullable=False),
    Column("ends_at", Time, nullable=False),
)

# Policy tags a course carries (codes of the ``tag`` vocabulary; counted per period, R-CRS-8).
course_tags = Table(
    "course_tags", metadata,
    Column("course_id", String(36), ForeignKey("courses.course_id"), primary_key=True),
    Column("tag_code", String(32), primary_key=True),
    Index("ix_course_tags_tag", "tag_code"),
)

# Every review decision, kept (R-CRS-3); ``decided_on`` is the Taipei day, for the counts.
course_reviews = Table(
    "course_reviews", metadata,
    Column("review_id", String(36), primary_key=True),
    Column("course_id", String(36), ForeignKey("courses.course_id"), nullable=False, index=True),
    Column("decision", String(8), nullable=False),  # approve | return
    Column("reasons", JSON, nullable=False),  # return_reason codes (letters)
    Column("comment", Text, nullable=True),
    Column("reviewer_account_id", String(64), nullable=False),
    Column("reviewing_authority_code", String(16), nullable=False),
    Column("decided_at", UtcDateTime, nullable=False),
    Column("decided_on", Date, nullable=False),
    Index("ix_course_reviews_authority_day", "reviewing_authority_code", "decided_on"),
)

# Files attached to a course (the approval letter and others); the bytes live in the file
# store under ``storage_key``.
course_attachments = Table(
    "course_attachments", metadata,
    Column("attachment_id", String(36), primary_key=True),
    Column("course_id", String(36), ForeignKey("courses.course_id"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # approval_letter | other
    Column("filename", String(200), nullable=False),
    Column("media_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("storage_key", String(200), nullable=False),
    Column("uploaded_by", String(64), nullable=False),
    Column("uploaded_at", UtcDateTime, nullable=False),
)

# The last course number given out per year: codes are ``<year>-<number>``; the increment
# is one conditional update, so two registrations never share a number.
course_code_sequences = Table(
    "course_code_sequences", metadata,
    Column("year", Integer, primary_key=True),
    Column("last_number", Integer, nullable=False),
)

# Operator-managed code lists: categories → sub-categories → subjects (``parent_code``),
# class types, natures, time slots, audience levels, policy tags (with their legal basis
# and date added) and the review's return reasons (lettered). Seeded at migrate.
course_vocabulary = Table(
    "course_vocabulary", metadata,
    Column("kind", String(16), primary_key=True),
    Column("code", String(32), primary_key=True),
    Column("label", String(200), nullable=False),
    Column("parent_code", String(32), nullable=True),
    Column("position", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("short_label", String(32), nullable=True),
    Column("basis", String(200), nullable=True),
    Column("added_on", Date, nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
)

# What courses knows of teachers, from accounts' account events (kind teacher only).
teacher_replica = Table(
    "teacher_replica", metadata,
    Column("account_id", String(36), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("email", String(254), nullable=True),
    Column("unit_code", String(32), nullable=True),
    Column("status", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
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

# -- the catalogue's search index (R-CRS-9, services/courses/domain/search.py) ---------------
# Every course's terms: its title's characters and overlapping character pairs, its
# lecturers' (``l:``) and its audiences' codes (``a:``); rewritten whenever the course is
# saved. A keyword looks its terms up here (the primary key, term first), never scanning
# the catalogue, and the candidates are confirmed with LIKE on the normalised text below.
# No other index and no foreign key: it is the biggest table of the service (about 25 rows
# a course), and a course's rows are found again through ``terms`` of its document. SQLite's
# only: on PostgreSQL it stays empty since revision 0012 (a GIN index over the documents'
# terms serves there).
course_search_terms = Table(
    "course_search_terms", metadata,
    Column("term", String(40), primary_key=True),  # "a:" and a code of 32 at most
    Column("course_id", String(36), primary_key=True),
)

# The normalised text a keyword is confirmed against (runs of letters and digits, folded),
# and the terms the course was indexed under (space-separated), to remove them again.
course_search_documents = Table(
    "course_search_documents", metadata,
    Column("course_id", String(36), ForeignKey("courses.course_id"), primary_key=True),
    Column("title_text", String(400), nullable=False),
    Column("lecturer_text", Text, nullable=False),
    Column("terms", Text, nullable=False),
    # While the course is published (revision 0012; all empty while it is not): what it is
    # counted under in ``course_search_counts`` (county, category, time slot, last day,
    # tags space-separated), so that a change is counted out exactly as it was counted in,
    # and what a keyword search by these filters alone counts its facets over and orders
    # its page by (first day, code, publication), without reading the courses.
    Column("starts_on", Date, nullable=True),
    Column("ends_on", Date, nullable=True),
    Column("code", String(24), nullable=True),
    Column("approved_at", UtcDateTime, nullable=True),
    Column("county_code", String(8), nullable=True),
    Column("category", String(32), nullable=True),
    Column("time_slot", String(32), nullable=True),
    Column("tags", Text, nullable=True),
    # The organising unit (revision 0013): a unit's name with a keyword is answered from
    # the documents too.
    Column("unit_code", String(32), nullable=True),
    # Its enrolment window and whether seats are left (revision 0015): ``open_now`` among
    # the courses to come is answered from the documents. ``has_seats`` moves only when
    # the course turns full or stops being full (and with each save), not per enrolment.
    # None for a course that had ended over a year before that revision (its window
    # long closed: a save fills them).
    Column("enrolment_opens_at", UtcDateTime, nullable=True),
    Column("enrolment_closes_at", UtcDateTime, nullable=True),
    Column("has_seats", Boolean, nullable=True),
    # The courses to come, a range of either (revision 0015): the narrow one for a keyword
    # among them (its range intersected with the GIN index in bitmaps: few pages); on
    # PostgreSQL the second covers every filter, facet and sort column a search among them
    # reads without a keyword, so their page and facets are read from the index alone,
    # not from rows scattered over the whole table.
    Index("ix_course_search_documents_ends_on", "ends_on"),
    Index("ix_course_search_documents_to_come", "ends_on", "starts_on", "code",
          postgresql_include=["course_id", "approved_at", "county_code", "category",
                              "time_slot", "unit_code", "tags", "enrolment_opens_at",
                              "enrolment_closes_at", "has_seats"]),
    # On PostgreSQL a keyword's terms are looked up in a GIN index over the same terms
    # (compressed posting lists, intersected in the index; revision 0012), with the
    # county of a published course as one more term (revision 0017, ``search_terms``).
    # SQLite has no ``string_to_array``: it keeps ``course_search_terms`` (and cannot
    # compare this index).
    Index("ix_course_search_documents_terms", text(search_terms.INDEXED),
          postgresql_using="gin").ddl_if(dialect="postgresql"),
    # The same over the documents of each sample share (revision 0016): a large match's
    # sample reads its share's posting lists, not a common word's whole one.
    *(Index(f"ix_course_search_documents_terms_{shares:02}", text(search_terms.INDEXED),
            postgresql_using="gin",
            postgresql_where=text(sample_predicate(shares))).ddl_if(dialect="postgresql")
      for shares in SAMPLE_SHARES),
    Index(recent_index.index_name(RECENT_FROM), text(search_terms.INDEXED),
          postgresql_using="gin",
          postgresql_where=text(f"ends_on >= '{RECENT_FROM.isoformat()}'")
          ).ddl_if(dialect="postgresql"),
)

# How many published courses each combination of the catalogue's plain filters holds
# (R-CRS-9, revision 0012), so that the searches by filters alone (county, category, time
# slot, tag, with or without the courses that have ended) answer their total and facets
# without counting courses. Kept by ``SearchIndex.refresh`` in the transaction that
# publishes, amends or withdraws a course. ``tag``: '' for every course, else the courses
# carrying that tag (the ``tag`` filter); ``also_tag``: '' for the course itself, else a tag
# it carries (the tag facet). ``span`` 'y': ``period`` is the year of the last day; 'm':
# its year and month (yyyymm), for the courses still to come.
course_search_counts = Table(
    "course_search_counts", metadata,
    Column("tag", String(32), primary_key=True),
    Column("span", String(1), primary_key=True),
    Column("period", Integer, primary_key=True),
    Column("county_code", String(8), primary_key=True),
    Column("category", String(32), primary_key=True),
    Column("time_slot", String(32), primary_key=True),
    Column("also_tag", String(32), primary_key=True),
    Column("courses", Integer, nullable=False),
)

# -- planning (R-CRS-13) ------------------------------------------------------------------
# A school's school-based plan for a ROC school year (domain/planning.py): a draft until
# submitted; ``content`` holds themes, planned courses, hours per teacher and budget lines
# (hours as text, amounts as whole NTD). ``version`` counts every save (optimistic edits).
school_plans = Table(
    "school_plans", metadata,
    Column("unit_code", String(32), primary_key=True),
    Column("school_year", Integer, primary_key=True),
    Column("status", String(16), nullable=False),  # draft | submitted
    Column("content", JSON, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by", String(64), nullable=False),
    Column("submitted_at", UtcDateTime, nullable=True),
    Column("submitted_by", String(64), nullable=True),
    Index("ix_school_plans_year_status", "school_year", "status"),
)

# A teacher's own plan for a school year: goals and planned courses; ``unit_code`` is the
# school the teachers' replica named when it was last saved, ``hours`` its courses' sum.
teacher_plans = Table(
    "teacher_plans", metadata,
    Column("account_id", String(36), primary_key=True),
    Column("school_year", Integer, primary_key=True),
    Column("unit_code", String(32), nullable=False),
    Column("content", JSON, nullable=False),
    Column("hours", Numeric(7, 1), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# A school's teachers, read for its summary of their plans: without it each summary would
# read the whole replica (300,000 teachers at the network's scale).
Index("ix_teacher_replica_unit_code", teacher_replica.c.unit_code)
# -- digital-material and distance course review (R-CRS-14) --------------------------------

# A case a teacher-education university submitted; ``round`` is the current round (the
# fields under review are that round's, in material_rounds).
material_cases = Table(
    "material_cases", metadata,
    Column("case_id", String(36), primary_key=True),
    Column("unit_code", String(32), nullable=False, index=True),
    Column("status", String(16), nullable=False, index=True),
    Column("round", Integer, nullable=False),
    Column("submitted_by", String(64), nullable=False),
    Column("submitted_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
)

# What each round reviewed (the case's fields as submitted then) and its result.
material_rounds = Table(
    "material_rounds", metadata,
    Column("case_id", String(36), ForeignKey("material_cases.case_id"), primary_key=True),
    Column("round", Integer, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("kind", String(16), nullable=False),  # digital_material | distance
    Column("description", Text, nullable=False),
    Column("hours", Numeric(5, 1), nullable=False),
    Column("subject_area", String(100), nullable=False),
    Column("links", JSON, nullable=False),
    Column("submitted_at", UtcDateTime, nullable=False),
    Column("result", String(16), nullable=True),  # pass | revise | fail
    Column("mean", Numeric(5, 2), nullable=True),
    Column("decided_at", UtcDateTime, nullable=True),
    Column("decided_on", Date, nullable=True),
)

# The three reviewers of a round, one per role, and each one's score and comment.
material_assignments = Table(
    "material_assignments", metadata,
    Column("case_id", String(36), primary_key=True),
    Column("round", Integer, primary_key=True),
    Column("role", String(16), primary_key=True),  # subject | digital_learning | serving_teacher
    Column("reviewer_id", String(64), nullable=False, index=True),
    Column("assigned_by", String(64), nullable=False),
    Column("assigned_at", UtcDateTime, nullable=False),
    Column("score", Integer, nullable=True),
    Column("comment", Text, nullable=True),
    Column("scored_at", UtcDateTime, nullable=True),
    UniqueConstraint("case_id", "round", "reviewer_id", name="uq_material_assignments_reviewer"),
    CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)",
                    name="ck_material_assignments_score_range"),
)

# Files of a case (the plan, a syllabus); the bytes live in the file store.
material_attachments = Table(
    "material_attachments", metadata,
    Column("attachment_id", String(36), primary_key=True),
    Column("case_id", String(36), ForeignKey("material_cases.case_id"), nullable=False,
           index=True),
    Column("filename", String(200), nullable=False),
    Column("media_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("storage_key", String(200), nullable=False),
    Column("uploaded_by", String(64), nullable=False),
    Column("uploaded_at", UtcDateTime, nullable=False),
)

# -- news, marquee and calendars (R-CRS-12, services/courses/domain/news.py, calendars.py) --
# What the network's operators announce: public only inside its window (``shown_from`` ≤
# now < ``shown_until``; none: until withdrawn). Plain text, stored as sent.
news_items = Table(
    "news_items", metadata,
    Column("news_id", String(36), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("audience", String(16), nullable=False),  # everyone | teachers | business | reviewers
    Column("shown_from", UtcDateTime, nullable=False),
    Column("shown_until", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    CheckConstraint("shown_until IS NULL OR shown_until > shown_from",
                    name="ck_news_items_window_ordered"),
    Index("ix_news_items_shown_from", "shown_from"),
)

# The short lines that scroll across the top of the pages, shown in ``position`` order.
marquee_lines = Table(
    "marquee_lines", metadata,
    Column("line_id", String(36), primary_key=True),
    Column("text", String(100), nullable=False),
    Column("position", Integer, nullable=False),
    Column("shown_from", UtcDateTime, nullable=False),
    Column("shown_until", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    CheckConstraint("shown_until IS NULL OR shown_until > shown_from",
                    name="ck_marquee_lines_window_ordered"),
)

# Each teacher's secret calendar address, kept only as the SHA-256 of its token: one per
# teacher, replaced when reset (the old address then finds nothing).
calendar_tokens = Table(
    "calendar_tokens", metadata,
    Column("account_id", String(64), primary_key=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
)
