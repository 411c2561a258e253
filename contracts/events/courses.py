"""Events the courses service publishes (R-CRS-*). Three parts of the service add to this
module, each in its own section below: the lifecycle (register, review), enrolment,
closing with hours, amendments, the traffic light and the transcript, and the catalogue
(published courses and their policy tags)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from contracts.events.common import AUTHORITY, CODE, VERSION

# -- lifecycle: courses registered, submitted, reviewed (R-CRS-1…3) -------------------------


class CourseRegisteredV1(Schema):
    """courses → stats: a business account registered a course (a draft) of its unit."""
    course_id = fields.UUID(required=True)
    code = fields.String(required=True, validate=validate.Length(min=1, max=24))
    unit_code = fields.String(required=True, validate=CODE)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    starts_on = fields.Date(required=True)
    registered_at = fields.AwareDateTime(required=True)
    version = fields.Integer(**VERSION)


class CourseSubmittedV1(Schema):
    """courses → stats: a course sent for review to ``reviewing_authority_code`` (routed
    by the unit's authority on the day, R-ORG-4); ``meeting_keywords``: the meeting names
    its title contains (R-CRS-10; empty for none)."""
    course_id = fields.UUID(required=True)
    code = fields.String(required=True, validate=validate.Length(min=1, max=24))
    unit_code = fields.String(required=True, validate=CODE)
    reviewing_authority_code = fields.String(required=True, validate=AUTHORITY)
    submitted_at = fields.AwareDateTime(required=True)
    resubmission = fields.Boolean(required=True)
    meeting_keywords = fields.List(fields.String(), required=True)
    version = fields.Integer(**VERSION)


class CourseSubmittedV2(CourseSubmittedV1):
    """v1 and ``meeting_only``: the title is nothing but a meeting's name (R-CRS-10, e.g.
    ``113學年度第1次校務會議``; courses' ``domain/meetings.meeting_only``), which the
    meeting-keyword report lists apart. Published beside v1 until every consumer of v1 has
    moved; the re-announce of courses publishes this one only."""
    meeting_only = fields.Boolean(required=True)


class CourseReviewedV1(Schema):
    """courses → stats (reviews per day and per month, R-CRS-3): a reviewer of
    ``reviewing_authority_code`` approved the course or returned it with ``reasons``
    (return-reason codes, lettered); ``reviewed_on`` is the Taipei day."""
    course_id = fields.UUID(required=True)
    code = fields.String(required=True, validate=validate.Length(min=1, max=24))
    unit_code = fields.String(required=True, validate=CODE)
    decision = fields.String(required=True, validate=validate.OneOf(("approve", "return")))
    reasons = fields.List(fields.String(validate=validate.Length(min=1, max=32)), required=True)
    reviewing_authority_code = fields.String(required=True, validate=AUTHORITY)
    reviewed_on = fields.Date(required=True)
    reviewed_at = fields.AwareDateTime(required=True)
    version = fields.Integer(**VERSION)


class CourseRegisteredV2(CourseRegisteredV1):
    """v1 and ``hours``: the course's total hours as the course holds them (one decimal),
    for course hours per county and unit (R-STA-2). Published beside v1 until every
    consumer of v1 has moved; the re-announce of courses publishes this one only."""
    hours = fields.Decimal(required=True, places=1, as_string=True,
                           validate=validate.Range(min=0, max=9999.9))


COURSE_REGISTERED = "courses.course.registered.v1"
COURSE_REGISTERED_V2 = "courses.course.registered.v2"
COURSE_SUBMITTED = "courses.course.submitted.v1"
COURSE_SUBMITTED_V2 = "courses.course.submitted.v2"
COURSE_REVIEWED = "courses.course.reviewed.v1"

LIFECYCLE: dict[str, type[Schema]] = {
    COURSE_REGISTERED: CourseRegisteredV1,
    COURSE_REGISTERED_V2: CourseRegisteredV2,
    COURSE_SUBMITTED: CourseSubmittedV1,
    COURSE_SUBMITTED_V2: CourseSubmittedV2,
    COURSE_REVIEWED: CourseReviewedV1,
}

# -- enrolment: enrolled, waitlisted, promoted, accepted, declined, drawn (R-CRS-4) ---------
_ID = validate.Length(min=1, max=36)


class _EnrolmentEvent(Schema):
    enrolment_id = fields.String(required=True, validate=_ID)
    course_id = fields.String(required=True, validate=_ID)
    account_id = fields.String(required=True, validate=_ID)
    at = fields.AwareDateTime(required=True)


class EnrolmentRecordedV1(_EnrolmentEvent):
    """A teacher's attempt got a place (refusals are kept by courses, not published):
    ``arrival`` is the course's sequence number of the attempt."""
    status = fields.String(required=True, validate=validate.OneOf(
        ("enrolled", "waitlisted", "pending", "applied")))
    arrival = fields.Integer(required=True, validate=validate.Range(min=1))


class EnrolmentCancelledV1(_EnrolmentEvent):
    """The teacher withdrew; ``previous_status`` is what they held."""
    previous_status = fields.String(required=True, validate=validate.OneOf(
        ("enrolled", "waitlisted", "pending", "applied")))


class EnrolmentPromotedV1(_EnrolmentEvent):
    """A seat freed and the head of the waiting list took it (the teacher is mailed)."""
    status = fields.String(required=True, validate=validate.OneOf(("enrolled", "pending")))
    arrival = fields.Integer(required=True, validate=validate.Range(min=1))


class EnrolmentDecidedV1(_EnrolmentEvent):
    """The organiser accepted or declined a pending enrolment (the teacher is mailed)."""
    decision = fields.String(required=True, validate=validate.OneOf(("accepted", "declined")))


class EnrolmentDrawnV1(_EnrolmentEvent):
    """A lottery applicant's result (the teacher is mailed); ``rank`` is the place in the
    draw order, 1 first."""
    won = fields.Boolean(required=True)
    rank = fields.Integer(required=True, validate=validate.Range(min=1))


class LotteryOpenedV1(Schema):
    """A lottery course's window opened: the SHA-256 of the seed the draw will use."""
    course_id = fields.String(required=True, validate=_ID)
    seed_sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    closes_at = fields.AwareDateTime(required=True)
    at = fields.AwareDateTime(required=True)


class LotteryDrawnV1(Schema):
    """The draw at the window's close, with the seed revealed: anyone re-runs ``algorithm``
    on ``seed`` and ``applicants`` and finds ``winners`` (services/courses/README.md)."""
    course_id = fields.String(required=True, validate=_ID)
    seed = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    seed_sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    algorithm = fields.String(required=True)
    seats = fields.Integer(required=True, validate=validate.Range(min=1))
    applicants = fields.List(fields.String(validate=_ID), required=True)
    winners = fields.List(fields.String(validate=_ID), required=True)
    at = fields.AwareDateTime(required=True)


ENROLMENT_RECORDED = "courses.enrolment.recorded.v1"
ENROLMENT_CANCELLED = "courses.enrolment.cancelled.v1"
ENROLMENT_PROMOTED = "courses.enrolment.promoted.v1"
ENROLMENT_DECIDED = "courses.enrolment.decided.v1"
ENROLMENT_DRAWN = "courses.enrolment.drawn.v1"
LOTTERY_OPENED = "courses.lottery.opened.v1"
LOTTERY_DRAWN = "courses.lottery.drawn.v1"

ENROLMENT: dict[str, type[Schema]] = {
    ENROLMENT_RECORDED: EnrolmentRecordedV1,
    ENROLMENT_CANCELLED: EnrolmentCancelledV1,
    ENROLMENT_PROMOTED: EnrolmentPromotedV1,
    ENROLMENT_DECIDED: EnrolmentDecidedV1,
    ENROLMENT_DRAWN: EnrolmentDrawnV1,
    LOTTERY_OPENED: LotteryOpenedV1,
    LOTTERY_DRAWN: LotteryDrawnV1,
}

# -- closing: attendance, hours issued, amendments, traffic light (R-CRS-5…7, R-CRS-11) -----
HOURS = validate.Range(min=0, max=999.9)


class AttendanceSubmittedV1(Schema):
    """courses → stats: the organiser sent the attendee list (R-CRS-5); ``late`` when it
    came after the issuing deadline (the course's end + the due days)."""
    course_id = fields.UUID(required=True)
    course_code = fields.String(required=True, validate=validate.Length(min=1, max=24))
    unit_code = fields.String(required=True, validate=CODE)
    attendees = fields.Integer(required=True, validate=validate.Range(min=0))
    late = fields.Boolean(required=True)
    version = fields.Integer(**VERSION)


class AttendanceReviewedV1(Schema):
    """courses → stats: the reviewer approved the attendee list (the course closes) or
    returned it with reasons from the list (R-CRS-5, Tainan's request)."""
    course_id = fields.UUID(required=True)
    course_code = fields.String(required=True, validate=validate.Length(min=1, max=24))
    unit_code = fields.String(required=True, validate=CODE)
    decision = fields.String(required=True, validate=validate.OneOf(("approve", "return")))
    reasons = fields.List(fields.String(validate=CODE), required=True)
    reviewing_authority_code = fields.String(required=True, validate=AUTHORITY)
    version = fields.Integer(**VERSION)


class HoursIssuedV1(Schema):
    """courses → stats, transcripts: a teacher's hours from a closed course, as they stand
    now (R-CRS-5); issued again, with a higher ``version``, when an approved amendment
    changes them or the course's title or dates (R-CRS-6). ``version`` is the course's."""
    course_id = fields.UUID(required=True)
    course_code = fields.String(required=True, validate=validate.Length(min=1, max=24))
    unit_code = fields.String(required=True, validate=CODE)
    account_id = fields.UUID(required=True)
    hours = fields.Float(required=True, validate=HOURS)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    tags = fields.List(fields.String(validate=validate.Length(min=1, max=64)), required=True)
    version = fields.Integer(**VERSION)


class HoursWithdrawnV1(Schema):
    """courses → stats, transcripts: a teacher's hours from a closed course are withdrawn
    (R-CRS-6): an approved amendment took the teacher off the attendee list. A consumer
    drops the (course, teacher) entry whose ``version`` is lower; a later issue with a
    higher ``version`` (the teacher added again) brings it back. ``version`` is the
    course's; ``amendment_id`` and ``reference`` name the approval."""
    course_id = fields.UUID(required=True)
    course_code = fields.String(required=True, validate=validate.Length(min=1, max=24))
    unit_code = fields.String(required=True, validate=CODE)
    account_id = fields.UUID(required=True)
    amendment_id = fields.UUID(required=True)
    reference = fields.String(required=True, validate=validate.Length(min=1, max=100))
    version = fields.Integer(**VERSION)


class AmendmentRequestedV1(Schema):
    """courses → stats: an amendment to a closed course was asked for (R-CRS-6)."""
    amendment_id = fields.UUID(required=True)
    course_id = fields.UUID(required=True)
    unit_code = fields.String(required=True, validate=CODE)
    approver_authority_code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    fields_changed = fields.List(fields.String(validate=validate.Length(min=1, max=32)),
                                 required=True)
    due_on = fields.Date(required=True)
    version = fields.Integer(**VERSION)


class AmendmentDecidedV1(Schema):
    """courses → stats: the approver applied (``approve``) or refused an amendment."""
    amendment_id = fields.UUID(required=True)
    course_id = fields.UUID(required=True)
    decision = fields.String(required=True, validate=validate.OneOf(("approve", "reject")))
    reference = fields.String(required=True, allow_none=True,
                              validate=validate.Length(min=1, max=100))
    version = fields.Integer(**VERSION)


class UnitLightChangedV1(Schema):
    """courses → stats: a unit's traffic light changed colour (R-CRS-7): ``overdue`` is the
    number of its courses of ``year`` whose end + the grace days passed without hours."""
    unit_code = fields.String(required=True, validate=CODE)
    light = fields.String(required=True, validate=validate.OneOf(("green", "yellow", "red")))
    overdue = fields.Integer(required=True, validate=validate.Range(min=0))
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=9999))
    version = fields.Integer(**VERSION)


ATTENDANCE_SUBMITTED = "courses.attendance.submitted.v1"
ATTENDANCE_REVIEWED = "courses.attendance.reviewed.v1"
HOURS_ISSUED = "courses.hours.issued.v1"
HOURS_WITHDRAWN = "courses.hours.withdrawn.v1"
AMENDMENT_REQUESTED = "courses.amendment.requested.v1"
AMENDMENT_DECIDED = "courses.amendment.decided.v1"
UNIT_LIGHT_CHANGED = "courses.unit_light.changed.v1"

CLOSING: dict[str, type[Schema]] = {
    ATTENDANCE_SUBMITTED: AttendanceSubmittedV1,
    ATTENDANCE_REVIEWED: AttendanceReviewedV1,
    HOURS_ISSUED: HoursIssuedV1,
    HOURS_WITHDRAWN: HoursWithdrawnV1,
    AMENDMENT_REQUESTED: AmendmentRequestedV1,
    AMENDMENT_DECIDED: AmendmentDecidedV1,
    UNIT_LIGHT_CHANGED: UnitLightChangedV1,
}

# -- catalogue: what the public catalogue holds, for the statistics (R-CRS-8…10, R-STA-5) ----


class CoursePublishedV1(Schema):
    """courses → stats (tag counts per period, R-CRS-8 and R-STA-5; the meeting report,
    R-CRS-10): a course entered the public catalogue (approved), with its policy ``tags``
    (codes of the ``tag`` vocabulary), the meeting names its title holds and whether it is
    only a meeting's name; ``published_on`` is the Taipei day."""
    course_id = fields.UUID(required=True)
    code = fields.String(required=True, validate=validate.Length(min=1, max=24))
    unit_code = fields.String(required=True, validate=CODE)
    county_code = fields.String(required=True, validate=CODE)
    category = fields.String(required=True, validate=CODE)
    reviewing_authority_code = fields.String(required=True, validate=AUTHORITY)
    tags = fields.List(fields.String(validate=CODE), required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    published_on = fields.Date(required=True)
    meeting_keywords = fields.List(fields.String(), required=True)
    meeting_only = fields.Boolean(required=True)
    version = fields.Integer(**VERSION)


class TagChangedV1(Schema):
    """courses → stats (R-CRS-8): an operator added or changed a policy tag; the newest
    ``changed_at`` of a code wins (a tag is retired with ``active`` false, never deleted)."""
    code = fields.String(required=True, validate=CODE)
    label = fields.String(required=True, validate=validate.Length(min=1, max=200))
    short_label = fields.String(required=True, allow_none=True)
    basis = fields.String(required=True, validate=validate.Length(min=1, max=200))
    added_on = fields.Date(required=True)
    active = fields.Boolean(required=True)
    changed_at = fields.AwareDateTime(required=True)


COURSE_PUBLISHED = "courses.course.published.v1"
TAG_CHANGED = "courses.tag.changed.v1"

CATALOGUE: dict[str, type[Schema]] = {
    COURSE_PUBLISHED: CoursePublishedV1,
    TAG_CHANGED: TagChangedV1,
}

# -- digital-material and distance course review (R-CRS-14) ----------------------------------

SCORE = validate.Range(min=0, max=100)


class MaterialScoresV1(Schema):
    """The three reviewers' scores of a round, by role (0–100 each)."""
    subject = fields.Integer(required=True, strict=True, validate=SCORE)
    digital_learning = fields.Integer(required=True, strict=True, validate=SCORE)
    serving_teacher = fields.Integer(required=True, strict=True, validate=SCORE)


class MaterialDecidedV1(Schema):
    """courses → stats (R-CRS-14): a round of a digital-material or distance course case of a
    teacher-education university was decided when its third reviewer scored it: ``result``
    pass (published), revise (the university may resubmit: a new ``round``) or fail, by the
    rule of the courses README; ``decided_on`` is the Taipei day."""
    case_id = fields.UUID(required=True)
    unit_code = fields.String(required=True, validate=CODE)
    kind = fields.String(required=True, validate=validate.OneOf(("digital_material", "distance")))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    hours = fields.Float(required=True, validate=validate.Range(min=0, min_inclusive=False))
    round = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    result = fields.String(required=True, validate=validate.OneOf(("pass", "revise", "fail")))
    scores = fields.Nested(MaterialScoresV1, required=True)
    mean = fields.Float(required=True, validate=validate.Range(min=0, max=100))
    decided_on = fields.Date(required=True)
    decided_at = fields.AwareDateTime(required=True)


MATERIAL_DECIDED = "courses.material.decided.v1"

MATERIALS: dict[str, type[Schema]] = {
    MATERIAL_DECIDED: MaterialDecidedV1,
}

SCHEMAS: dict[str, type[Schema]] = {**LIFECYCLE, **ENROLMENT, **CLOSING, **CATALOGUE,
                                    **MATERIALS}
