"""Events the courses service publishes (R-CRS-*). Three parts of the service add to this
module, each in its own section below: the lifecycle (register, review), enrolment, and
closing with hours, amendments, the traffic light and the transcript."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

# -- lifecycle: courses registered, submitted, reviewed (R-CRS-1…3) -------------------------
LIFECYCLE: dict[str, type[Schema]] = {}

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
CLOSING: dict[str, type[Schema]] = {}

SCHEMAS: dict[str, type[Schema]] = {**LIFECYCLE, **ENROLMENT, **CLOSING}
