"""Review of digital-material and distance courses (R-CRS-14): a teacher-education
university submits a case; the network's operators assign three reviewers, one per role
(subject, digital learning, serving teacher); each scores it and comments, unseen by the
others until all three are in; the result follows one rule (``decide``) and a passed case
is published. A case sent back for revision is resubmitted as a new round; every round
keeps its own scores."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from servicekit.errors import Conflict, Forbidden, Invalid, NotFound

# The unit type (contracts.vocabulary.UNIT_TYPES) that may submit a case.
SUBMITTING_UNIT_TYPE = "teacher_education_university"

KINDS = ("digital_material", "distance")

# The three reviewers of a case, one per role, in this order (seed: 領域專業、數位學習專業及
# 現場教師各1名).
SUBJECT, DIGITAL_LEARNING, SERVING_TEACHER = "subject", "digital_learning", "serving_teacher"
REVIEWER_ROLES = (SUBJECT, DIGITAL_LEARNING, SERVING_TEACHER)
ROLE_LABELS = {SUBJECT: "學科", DIGITAL_LEARNING: "數位學習", SERVING_TEACHER: "現職教師"}

# Case states: sent and waiting for its reviewers; under review (three assigned); decided.
SUBMITTED, IN_REVIEW = "submitted", "in_review"
PASSED, REVISE, FAILED = "passed", "revise", "failed"
OPEN = frozenset({SUBMITTED, IN_REVIEW})
STATUSES = (SUBMITTED, IN_REVIEW, PASSED, REVISE, FAILED)

# Results of a round (the event's ``result``) and the state each leaves the case in.
PASS, FAIL = "pass", "fail"
STATUS_OF_RESULT = {PASS: PASSED, REVISE: REVISE, FAIL: FAILED}

# The rule (README "Digital-material and distance courses"): pass when the mean is at
# least 70 and no score is under 60; otherwise revise when the mean is at least 60; else
# fail. The mean is compared exactly (sum against 3 × the bound), never rounded.
PASS_MEAN, PASS_FLOOR, REVISE_MEAN = 70, 60, 60
SCORE_MIN, SCORE_MAX = 0, 100


def decide(scores: Sequence[int]) -> str:
    """The result of a round from its reviewers' scores (three): ``pass``, ``revise`` or
    ``fail``."""
    if len(scores) != len(REVIEWER_ROLES):
        raise ValueError("a round is decided on one score per reviewer role")
    total, count = sum(scores), len(scores)
    if total >= PASS_MEAN * count and min(scores) >= PASS_FLOOR:
        return PASS
    if total >= REVISE_MEAN * count:
        return REVISE
    return FAIL


def mean_of(scores: Sequence[int]) -> Decimal:
    """The mean shown with a decision, to two decimals (the rule itself never rounds)."""
    return (Decimal(sum(scores)) / len(scores)).quantize(Decimal("0.01"))


def check_score(score: int) -> None:
    if isinstance(score, bool) or not isinstance(score, int) \
            or not SCORE_MIN <= score <= SCORE_MAX:
        raise Invalid("score-out-of-range", "The score is out of range",
                      f"a score is a whole number from {SCORE_MIN} to {SCORE_MAX}",
                      errors={"score": [f"a whole number from {SCORE_MIN} to {SCORE_MAX}"]},
                      minimum=SCORE_MIN, maximum=SCORE_MAX)


@dataclass
class Assignment:
    """One reviewer of one round, with their score once given."""
    role: str
    reviewer_id: str
    assigned_by: str
    assigned_at: datetime
    score: int | None = None
    comment: str | None = None
    scored_at: datetime | None = None


@dataclass
class Round:
    """What was reviewed in one round (the case's fields as submitted), its reviewers and
    its result."""
    number: int
    fields: dict[str, Any]
    submitted_at: datetime
    assignments: dict[str, Assignment] = field(default_factory=dict)  # by role
    result: str | None = None
    mean: Decimal | None = None
    decided_at: datetime | None = None
    decided_on: date | None = None

    @property
    def complete(self) -> bool:
        return all(role in self.assignments and self.assignments[role].score is not None
                   for role in REVIEWER_ROLES)

    def role_of(self, reviewer_id: str) -> str | None:
        for role, assignment in self.assignments.items():
            if assignment.reviewer_id == reviewer_id:
                return role
        return None


# The fields a university writes (and rewrites when it resubmits).
CASE_FIELDS = ("title", "kind", "description", "hours", "subject_area", "links")


@dataclass
class Case:
    case_id: str
    unit_code: str
    status: str
    round: int  # the current round's number, from 1
    fields: dict[str, Any]  # the current round's: CASE_FIELDS
    submitted_by: str
    submitted_at: datetime
    version: int
    rounds: list[Round] = field(default_factory=list)  # every round, oldest first

    @property
    def current(self) -> Round:
        return self.rounds[-1]


def case_not_found(case_id: str) -> NotFound:
    """The one answer for a case that does not exist and for one the caller may not see
    (another university's, one not assigned to the reviewer asking)."""
    return NotFound(f"no review case {case_id}", slug="case-not-found", title="No such case")


def check_submitter(unit: Mapping[str, Any] | None, unit_code: str) -> None:
    """Only a unit the replica knows as a teacher-education university submits."""
    if unit is None:
        raise Conflict("unit-unknown", "The unit is not known yet",
                       f"unit {unit_code} has not arrived from the accounts service",
                       unit_code=unit_code)
    if unit["unit_type"] != SUBMITTING_UNIT_TYPE:
        raise Forbidden("digital-material and distance courses are submitted by "
                        "teacher-education universities",
                        slug="not-teacher-education-university",
                        title="Not a teacher-education university",
                        unit_code=unit_code, unit_type=unit["unit_type"])


def check_open(case: Case) -> None:
    if case.status not in OPEN:
        raise Conflict("case-not-open", "The case is not open for review",
                       f"the case is {case.status}; round {case.round} is decided",
                       case_status=case.status, round=case.round)


def check_reviewers(chosen: Mapping[str, str], current: Round) -> None:
    """Three different accounts, one per role; a reviewer who has scored stays."""
    if set(chosen) != set(REVIEWER_ROLES):
        raise Invalid("validation-failed", "The request is not valid",
                      "See `errors` for each field.",
                      errors={role: ["an account id is required"]
                              for role in REVIEWER_ROLES if role not in chosen})
    if len(set(chosen.values())) != len(REVIEWER_ROLES):
        raise Invalid("reviewers-not-distinct", "A reviewer holds one role only",
                      "the three roles are held by three different accounts",
                      errors={role: ["the same account holds another role"]
                              for role in REVIEWER_ROLES
                              if list(chosen.values()).count(chosen[role]) > 1})
    kept = [role for role, assignment in current.assignments.items()
            if assignment.score is not None and chosen[role] != assignment.reviewer_id]
    if kept:
        raise Conflict("reviewer-already-scored", "A reviewer who has scored stays",
                       "a reviewer who has scored this round cannot be replaced in it",
                       roles=kept)


def check_uploadable(case: Case) -> None:
    """Files are added while the case is open or sent back for revision."""
    if case.status not in OPEN and case.status != REVISE:
        raise Conflict("case-not-open", "The case is not open",
                       f"files are added to an open case or one sent back for revision; this "
                       f"one is {case.status}", case_status=case.status, round=case.round)


def check_resubmittable(case: Case) -> None:
    if case.status != REVISE:
        raise Conflict("case-not-revisable", "The case is not sent back for revision",
                       f"only a case whose result is revise is resubmitted; this one is "
                       f"{case.status}", case_status=case.status)


def check_fields(values: Mapping[str, Any]) -> None:
    """The meaning the edge cannot check: links are distinct."""
    links = values.get("links") or []
    if len(set(links)) != len(links):
        raise Invalid("validation-failed", "The request is not valid",
                      "See `errors` for each field.", errors={"links": ["a link is listed twice"]})
