"""Events the courses service publishes (R-CRS-*). Three parts of the service add to this
module, each in its own section below: the lifecycle (register, review), enrolment, and
closing with hours, amendments, the traffic light and the transcript."""
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


COURSE_REGISTERED = "courses.course.registered.v1"
COURSE_SUBMITTED = "courses.course.submitted.v1"
COURSE_REVIEWED = "courses.course.reviewed.v1"

LIFECYCLE: dict[str, type[Schema]] = {
    COURSE_REGISTERED: CourseRegisteredV1,
    COURSE_SUBMITTED: CourseSubmittedV1,
    COURSE_REVIEWED: CourseReviewedV1,
}

# -- enrolment: enrolled, waitlisted, promoted, accepted, declined, drawn (R-CRS-4) ---------
ENROLMENT: dict[str, type[Schema]] = {}

# -- closing: attendance, hours issued, amendments, traffic light (R-CRS-5…7, R-CRS-11) -----
CLOSING: dict[str, type[Schema]] = {}

SCHEMAS: dict[str, type[Schema]] = {**LIFECYCLE, **ENROLMENT, **CLOSING}
