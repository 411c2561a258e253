"""Amending a closed course (R-CRS-6; the seed's 修改已結案課程內容申請流程).

A locked course changes only through a request naming the fields, their new values and a
reason. Who approves depends on the unit's category, through a routing table operators
keep: national units → the network itself; county units → their county; legal entities →
the ministry's review group, which the accounts service keeps as no authority of its own:
their requests go to the network's operators (``network``) until an operator routes them
to an authority that exists. Requests are batched per approver and month (the month of
the request, Taipei), due by the 5th of the next month. Approval applies every change at
once, with an audit record per field, and the hours are issued again where they change."""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from contracts.vocabulary import AUTHORITY_CODES, COUNTIES, NETWORK
from servicekit.errors import Conflict, Invalid
from services.courses.domain.closing import Attendee, HeldCourse, check_walk_ins, walk_ins
from services.courses.domain.courses import CLOSED, ONE_DECIMAL, invalid

NATIONAL, COUNTY, LEGAL_ENTITY = "national", "county", "legal_entity"
CATEGORIES = (NATIONAL, COUNTY, LEGAL_ENTITY)
# Values of the routing table besides a fixed authority code.
BY_NETWORK, BY_COUNTY = "network", "county"
# The course fields an amendment may change; and the attendee list: ``attendees`` (a
# listed teacher's new hours, or a teacher added: enrolled, or a walk-in) and
# ``remove_attendees`` (account ids whose hours are withdrawn).
COURSE_FIELDS = ("title", "place", "starts_on", "ends_on", "hours")
ATTENDEE_FIELDS = ("attendees", "remove_attendees")
AMENDABLE = (*COURSE_FIELDS, *ATTENDEE_FIELDS)
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"


def category_of(unit_type: str, authority_code: str) -> str:
    if unit_type == "legal_entity":
        return LEGAL_ENTITY
    return COUNTY if authority_code in COUNTIES else NATIONAL


def approver_of(route: str, county_code: str | None, authority_code: str) -> str:
    """The authority that approves: ``NETWORK`` is the network's operators."""
    if route == BY_NETWORK:
        return NETWORK
    if route == BY_COUNTY:
        if authority_code in COUNTIES:
            return authority_code
        if county_code:
            return county_code
        raise Conflict("no-approver", "No county approves this unit's amendments",
                       "the unit has no county; ask the network to route its category")
    return route


def check_route(approver: str) -> None:
    """A route names who can act on it: the network's operators, the unit's county, or an
    authority the accounts service keeps (whose reviewers hold tokens for it). The seed's
    "ministry's review group" is no such authority, so legal entities go to the network."""
    if approver not in (BY_NETWORK, BY_COUNTY, *AUTHORITY_CODES):
        raise invalid({"approver": [f"{BY_NETWORK}, {BY_COUNTY} or an authority code "
                                    f"({', '.join(AUTHORITY_CODES)})"]})


def batch_month(moment_day: date) -> str:
    return f"{moment_day.year:04d}-{moment_day.month:02d}"


def due_on(month: str) -> date:
    """The 5th of the month after the batch's month."""
    year, number = (int(part) for part in month.split("-"))
    return date(year + number // 12, number % 12 + 1, 5)


@dataclass
class Amendment:
    amendment_id: str
    course_id: str
    unit_code: str
    changes: dict[str, Any]  # as sent: dates ISO, hours as numbers
    previous: dict[str, Any]
    reason: str
    requested_by: str
    requested_at: datetime
    approver_authority_code: str
    batch_month: str
    due_on: date
    status: str = PENDING
    decided_by: str | None = None
    decided_at: datetime | None = None
    reference: str | None = None
    comment: str | None = None
    audit: list[dict[str, Any]] = field(default_factory=list)


def _hours(value: Any) -> Decimal:
    hours = Decimal(str(value))
    if hours <= 0 or hours != hours.quantize(ONE_DECIMAL):
        raise Invalid("invalid-hours", "Hours are positive with one decimal",
                      "each hours value is above 0, in steps of 0.1")
    return hours


def check_request(course: HeldCourse, changes: dict[str, Any], attendees: list[Attendee],
                  enrolled: set[str], teachers: Mapping[str, str]) -> None:
    """``changes`` already typed by the edge (dates as dates, hours as Decimal).
    ``attendees``: the list as approved; ``enrolled``: the teachers holding a seat;
    ``teachers``: the replica's status of each walk-in added. Refuses the whole request on
    the first rule it breaks, as the attendee list itself is refused."""
    if course.status != CLOSED:
        raise Conflict("course-not-closed", "Only a closed course is amended",
                       "change an open course directly", course_status=course.status)
    if not changes:
        raise Invalid("no-changes", "Nothing to change", "name at least one field")
    after = {name: changes.get(name, getattr(course, name)) for name in COURSE_FIELDS}
    if after["ends_on"] < after["starts_on"]:
        raise Invalid("dates-out-of-order", "The course ends before it starts",
                      "ends_on is on or after starts_on")
    course_hours = _hours(after["hours"])
    current = {a.account_id: a.hours for a in attendees}
    listed = [*(item["account_id"] for item in changes.get("attendees", [])),
              *changes.get("remove_attendees", [])]
    twice = sorted(account for account, n in Counter(listed).items() if n > 1)
    if twice:
        raise Invalid("duplicate-attendee", "A teacher is listed twice",
                      "each teacher appears once among the attendees changed, added and "
                      "removed", account_ids=twice)
    gone = sorted(set(changes.get("remove_attendees", [])) - current.keys())
    if gone:
        raise Invalid("not-an-attendee", "The teacher is not on the attendee list",
                      "only a listed teacher is removed", account_ids=gone)
    new_hours = {item["account_id"]: _hours(item["hours"])
                 for item in changes.get("attendees", [])}
    added = [(row, Attendee(item["account_id"], new_hours[item["account_id"]],
                            bool(item.get("walk_in"))))
             for row, item in enumerate(changes.get("attendees", []))
             if item["account_id"] not in current]
    strangers = sorted(a.account_id for _row, a in added
                       if not a.walk_in and a.account_id not in enrolled)
    if strangers:
        raise Invalid("not-enrolled", "A teacher is not enrolled",
                      "add a teacher without an enrolment as a walk-in (walk_in: true)",
                      account_ids=strangers)
    check_walk_ins(added, enrolled, teachers)
    kept = {account: hours for account, hours in {**current, **new_hours}.items()
            if account not in changes.get("remove_attendees", [])}
    above = sorted(account for account, hours in kept.items() if hours > course_hours)
    if above:
        raise Invalid("hours-above-course", "Hours above the course's",
                      f"no teacher is given more than the course's {course_hours} hours",
                      account_ids=above, course_hours=float(course_hours))


def added_walk_ins(changes: dict[str, Any], attendees: list[Attendee],
                   enrolled: set[str]) -> list[str]:
    """The account ids whose replica status the walk-in rule needs."""
    current = {a.account_id for a in attendees}
    return walk_ins([Attendee(item["account_id"], Decimal(0), bool(item.get("walk_in")))
                     for item in changes.get("attendees", [])
                     if item["account_id"] not in current], enrolled)


def may_decide(approver: str, roles: frozenset[str], authority: str | None) -> bool:
    if approver == NETWORK:
        return "operator" in roles
    return "reviewer" in roles and authority == approver
