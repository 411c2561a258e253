"""Amendments to closed courses (R-CRS-6): requested by the course's unit, routed by the
unit's category through the operators' routing table, decided by that approver, batched
per approver and month (due by the 5th of the next month, with a report)."""
from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from contracts.calendar import taipei_date
from contracts.events.courses import AMENDMENT_DECIDED, AMENDMENT_REQUESTED
from contracts.vocabulary import NETWORK
from servicekit.clock import Clock
from servicekit.errors import Conflict, Forbidden, Invalid, NotFound
from services.courses.adapters.uow import CoursesUnitOfWork
from services.courses.domain import amendments as rules
from services.courses.domain.amendments import Amendment
from services.courses.domain.closing import Attendee, HeldCourse
from services.courses.handlers.attendance import issue_hours, organisers_course, withdraw_hours
from services.courses.handlers.lights import may_see as may_see_unit

if TYPE_CHECKING:  # the token's reader pulls in the web stack; handlers need only its shape
    from servicekit.tokens import Principal


def _json(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _stored(name: str, value: Any) -> Any:
    if name == "attendees":
        return [{"account_id": item["account_id"], "hours": float(item["hours"]),
                 "walk_in": bool(item.get("walk_in"))} for item in value]
    if name == "remove_attendees":
        return list(value)
    return _json(value)


def _checked(uow: CoursesUnitOfWork, course: HeldCourse, changes: dict[str, Any],
             listed: list[Attendee]) -> None:
    """The request's rules against the course, its list, its seats and the teachers'
    replica as they are now."""
    enrolled = uow.attendance.enrolled_accounts(course.course_id)
    teachers = uow.attendance.teacher_statuses(rules.added_walk_ins(changes, listed, enrolled))
    rules.check_request(course, changes, listed, enrolled, teachers)


def _typed(changes: dict[str, Any]) -> dict[str, Any]:
    """The changes as the edge stored them (JSON) back in Python types."""
    typed = dict(changes)
    for name in ("starts_on", "ends_on"):
        if name in typed:
            typed[name] = date.fromisoformat(typed[name])
    if "hours" in typed:
        typed["hours"] = Decimal(str(typed["hours"]))
    return typed


def request(uow: CoursesUnitOfWork, clock: Clock, principal: Principal, course_id: str,
            changes: dict[str, Any], reason: str) -> Amendment:
    now = clock.now()
    with uow:
        course = organisers_course(uow, principal, course_id)
        listed = uow.attendance.attendees(course_id)
        _checked(uow, course, changes, listed)
        unit = uow.closing.unit(course.unit_code)
        if unit is None:
            raise Conflict("no-approver", "The unit is unknown here",
                           "the unit's record has not reached courses yet")
        category = rules.category_of(unit["unit_type"], unit["authority_code"])
        route = uow.amendments.routes().get(category)
        if route is None:
            raise Conflict("no-approver", "No approver for the unit's category",
                           f"the network routes {category} units first", category=category)
        approver = rules.approver_of(route, unit["county_code"], unit["authority_code"])
        hours_now = {a.account_id: a.hours for a in listed}
        previous = {name: _json(getattr(course, name)) for name in rules.COURSE_FIELDS
                    if name in changes}
        # A teacher added had no hours (None); a teacher removed had the hours shown.
        if "attendees" in changes:
            previous["attendees"] = [{"account_id": item["account_id"],
                                      "hours": _json(hours_now.get(item["account_id"]))}
                                     for item in changes["attendees"]]
        if "remove_attendees" in changes:
            previous["remove_attendees"] = [{"account_id": account,
                                             "hours": float(hours_now[account])}
                                            for account in changes["remove_attendees"]]
        month = rules.batch_month(taipei_date(now))
        amendment = Amendment(
            str(uuid.uuid4()), course_id, course.unit_code,
            {name: _stored(name, value) for name, value in changes.items()},
            previous, reason, principal.subject, now, approver, month, rules.due_on(month))
        uow.amendments.add(amendment)
        uow.record(AMENDMENT_REQUESTED, {
            "amendment_id": amendment.amendment_id, "course_id": course_id,
            "unit_code": course.unit_code, "approver_authority_code": approver,
            "fields_changed": sorted(changes), "due_on": amendment.due_on.isoformat(),
            "version": 1})
    return amendment


def decide(uow: CoursesUnitOfWork, clock: Clock, principal: Principal, amendment_id: str,
           decision: str, reference: str | None, comment: str | None) -> Amendment:
    now = clock.now()
    with uow:
        amendment = uow.amendments.get(amendment_id)
        if amendment is None or not rules.may_decide(amendment.approver_authority_code,
                                                     principal.roles, principal.authority):
            raise NotFound(f"no amendment {amendment_id}", slug="amendment-not-found",
                           title="No such amendment")
        if amendment.status != rules.PENDING:
            raise Conflict("amendment-decided", "The amendment is already decided",
                           f"it was {amendment.status}", amendment_status=amendment.status)
        if decision == "approve" and not reference:
            raise Invalid("reference-required", "An approval names its reference",
                          "give the approving document's reference (e.g. its letter number)")
        course = uow.closing.get(amendment.course_id, for_update=True)
        assert course is not None  # an amendment's course is never deleted (foreign key)
        amendment.status = rules.APPROVED if decision == "approve" else rules.REJECTED
        amendment.decided_by, amendment.decided_at = principal.subject, now
        amendment.reference, amendment.comment = reference, comment
        if decision == "approve":
            _apply(uow, clock, amendment, course)
        uow.amendments.save(amendment)
        uow.record(AMENDMENT_DECIDED, {
            "amendment_id": amendment_id, "course_id": amendment.course_id,
            "decision": decision, "reference": reference, "version": 2})
    return amendment


def _apply(uow: CoursesUnitOfWork, clock: Clock, amendment: Amendment,
           course: HeldCourse) -> None:
    """Every change at once, checked again against the course as it is now (another
    amendment may have been applied since the request, a walk-in's account disabled),
    with an audit record per field and per teacher."""
    now = clock.now()
    changes = _typed(amendment.changes)
    listed = uow.attendance.attendees(course.course_id)
    _checked(uow, course, changes, listed)
    audit = []
    course_changes = {name: value for name, value in changes.items()
                      if name in rules.COURSE_FIELDS}
    for name, value in course_changes.items():
        audit.append({"field": name, "old_value": _json(getattr(course, name)),
                      "new_value": _json(value)})
    hours_now = {a.account_id: a.hours for a in listed}
    touched: set[str] = set()
    for item in changes.get("attendees", []):
        account, hours = item["account_id"], Decimal(str(item["hours"]))
        audit.append({"field": f"attendees.{account}.hours",
                      "old_value": _json(hours_now.get(account)), "new_value": float(hours)})
        if account in hours_now:
            uow.attendance.set_hours(course.course_id, account, hours)
        else:
            uow.attendance.add(course.course_id, Attendee(account, hours,
                                                          bool(item.get("walk_in"))))
        touched.add(account)
    removed = list(changes.get("remove_attendees", []))
    for account in removed:
        audit.append({"field": f"attendees.{account}.hours",
                      "old_value": float(hours_now[account]), "new_value": None})
        uow.attendance.remove(course.course_id, account)
    course = replace(course, **course_changes, version=course.version + 1)
    uow.closing.save(course, now)
    amendment.audit = [{**record, "changed_by": amendment.decided_by, "changed_at": now,
                        "reference": amendment.reference} for record in audit]
    # A change of the course's title, dates or hours reaches every teacher's entry: each
    # is issued again with the course's new version; otherwise only the hours that changed.
    after = uow.attendance.attendees(course.course_id)
    issue_hours(uow, clock, course, after if course_changes
                else [a for a in after if a.account_id in touched])
    withdraw_hours(uow, clock, course, removed, amendment)


def batch(uow: CoursesUnitOfWork, clock: Clock, principal: Principal, month: str,
          approver: str | None) -> dict[str, Any]:
    """The monthly report of one approver: reviewers see their own authority's; the
    network's operators any approver's (their own by default)."""
    if principal.has_any_role("operator", "admin"):
        approver = approver or NETWORK
    elif principal.has_any_role("reviewer") and principal.authority:
        if approver not in (None, principal.authority):
            raise Forbidden("a reviewer reads the batches of their own authority")
        approver = principal.authority
    else:
        raise Forbidden("the batches are read by their approvers")
    due = rules.due_on(month)
    today = taipei_date(clock.now())
    with uow:
        requests = uow.amendments.batch(approver, month)
    pending = [a for a in requests if a.status == rules.PENDING]
    return {"approver": approver, "month": month, "due_on": due,
            "overdue": bool(pending) and today > due,
            "counts": {status: sum(1 for a in requests if a.status == status)
                       for status in (rules.PENDING, rules.APPROVED, rules.REJECTED)},
            "requests": requests}


def of_unit(uow: CoursesUnitOfWork, principal: Principal, unit_code: str,
            status: str | None, course_id: str | None, page: int,
            per_page: int) -> dict[str, Any]:
    """A unit's own requests, newest first, with their state and decision: for its
    business accounts, the reviewers of its authority (or county) and the network's staff.
    To anyone else the unit does not exist (404, as the unit's courses and light answer)."""
    with uow:
        unit = uow.closing.unit(unit_code)
        if unit is None or not may_see_unit(principal, unit):
            raise NotFound(f"no unit {unit_code}", slug="unit-not-found", title="No such unit")
        found, total = uow.amendments.of_unit(unit_code, status, course_id, page, per_page)
    return {"unit_code": unit_code, "items": found, "page": page, "per_page": per_page,
            "total": total}


def routes(uow: CoursesUnitOfWork) -> list[dict[str, str]]:
    with uow:
        return [{"category": category, "approver": approver}
                for category, approver in sorted(uow.amendments.routes().items())]


def put_route(uow: CoursesUnitOfWork, clock: Clock, principal: Principal, category: str,
              approver: str) -> dict[str, str]:
    rules.check_route(approver)
    with uow:
        uow.amendments.put_route(category, approver, clock.now(), principal.subject)
    return {"category": category, "approver": approver}
