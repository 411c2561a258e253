"""Closing a course (R-CRS-5): the organiser sends the attendee list, the reviewer of the
course's authority approves it (the course closes and locks, each teacher's hours are
issued and enter the transcript) or returns it with reasons from the operators' list.
Each use case is one unit of work: a refused list leaves nothing written."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from contracts.calendar import taipei_date
from contracts.events.courses import (
    ATTENDANCE_REVIEWED,
    ATTENDANCE_SUBMITTED,
    HOURS_ISSUED,
    HOURS_WITHDRAWN,
)
from servicekit.clock import Clock
from services.courses.adapters.uow import CoursesUnitOfWork
from services.courses.config import ClosingRules
from services.courses.domain import closing
from services.courses.domain.access import course_not_found
from services.courses.domain.amendments import Amendment
from services.courses.domain.closing import Attendee, HeldCourse
from services.courses.domain.courses import ATTENDANCE_RETURNED, CLOSED
from services.courses.domain.courses import ATTENDANCE_SUBMITTED as ATTENDANCE_SUBMITTED_STATUS
from services.courses.domain.transcripts import NETWORK_SOURCE, Entry, network_key
from services.courses.domain.vocabularies import ROSTER_RETURN
from services.courses.handlers import lights

if TYPE_CHECKING:  # the token's reader pulls in the web stack; handlers need only its shape
    from servicekit.tokens import Principal


def organisers_course(uow: CoursesUnitOfWork, principal: Principal, course_id: str) -> HeldCourse:
    """The course, if the caller is a business account of its unit; otherwise not found
    (another unit's course is not theirs to see)."""
    course = uow.closing.get(course_id, for_update=True)
    if course is None or not principal.has_any_role("business") \
            or principal.unit != course.unit_code:
        raise course_not_found(course_id)
    return course


def reviewers_course(uow: CoursesUnitOfWork, principal: Principal, course_id: str) -> HeldCourse:
    """The course, if the caller reviews for the authority it was routed to."""
    course = uow.closing.get(course_id, for_update=True)
    if course is None or not principal.has_any_role("reviewer") \
            or principal.authority is None \
            or principal.authority != course.reviewing_authority_code:
        raise course_not_found(course_id)
    return course


def visible_course(uow: CoursesUnitOfWork, principal: Principal, course_id: str) -> HeldCourse:
    """Its organisers, its reviewers and the network's operators see a course's list."""
    course = uow.closing.get(course_id)
    if course is not None and (
            principal.has_any_role("operator", "admin")
            or (principal.has_any_role("business") and principal.unit == course.unit_code)
            or (principal.has_any_role("reviewer") and principal.authority is not None
                and principal.authority == course.reviewing_authority_code)):
        return course
    raise course_not_found(course_id)


def submit(uow: CoursesUnitOfWork, clock: Clock, rules: ClosingRules, principal: Principal,
           course_id: str, listed: list[Attendee]) -> dict[str, Any]:
    now = clock.now()
    today = taipei_date(now)
    with uow:
        course = organisers_course(uow, principal, course_id)
        enrolled = uow.attendance.enrolled_accounts(course_id)
        teachers = uow.attendance.teacher_statuses(closing.walk_ins(listed, enrolled))
        closing.check_attendance(course, listed, enrolled, teachers, today)
        late = closing.is_late(course, today, rules.due_days)
        uow.attendance.replace(course_id, listed, now, principal.subject, late)
        course = replace(course, status=ATTENDANCE_SUBMITTED_STATUS, version=course.version + 1)
        uow.closing.save(course, now)
        uow.record(ATTENDANCE_SUBMITTED, {
            "course_id": course_id, "course_code": course.code, "unit_code": course.unit_code,
            "attendees": len(listed), "late": late, "version": course.version})
    return {"course_id": course_id, "status": course.status, "late": late,
            "due_on": closing.due_on(course, rules.due_days), "attendees": listed}


def review(uow: CoursesUnitOfWork, clock: Clock, rules: ClosingRules, principal: Principal,
           course_id: str, decision: str, reasons: list[str],
           comment: str | None) -> dict[str, Any]:
    now = clock.now()
    with uow:
        course = reviewers_course(uow, principal, course_id)
        known = {term.code for term in uow.vocabularies.terms(ROSTER_RETURN) if term.active}
        closing.check_review(course, decision, reasons, known)
        uow.attendance.add_review(course_id, decision, reasons, comment, principal.subject, now)
        approved = decision == "approve"
        status = CLOSED if approved else ATTENDANCE_RETURNED
        course = replace(course, status=status, version=course.version + 1)
        uow.closing.save(course, now, closed=approved)
        uow.record(ATTENDANCE_REVIEWED, {
            "course_id": course_id, "course_code": course.code, "unit_code": course.unit_code,
            "decision": decision, "reasons": reasons,
            "reviewing_authority_code": course.reviewing_authority_code,
            "version": course.version})
        if approved:
            issue_hours(uow, clock, course, uow.attendance.attendees(course_id))
            lights.recount_unit(uow, clock, rules, course.unit_code)
    return {"course_id": course_id, "status": course.status, "decision": decision,
            "reasons": reasons, "comment": comment}


def issue_hours(uow: CoursesUnitOfWork, clock: Clock, course: HeldCourse,
                listed: list[Attendee]) -> None:
    """Each teacher's hours as they now stand, in the transcript and as an event (issued
    again, with the course's new version, after an amendment)."""
    tags = uow.closing.tags(course.course_id)
    organiser = uow.closing.organiser(course.unit_code)
    for attendee in listed:
        entry = Entry(NETWORK_SOURCE, network_key(course.course_id, attendee.account_id),
                      attendee.hours, course.title, organiser, course.starts_on, course.ends_on,
                      tuple(tags))
        uow.transcripts.put(attendee.account_id, entry, course.version, clock.now())
        uow.record(HOURS_ISSUED, {
            "course_id": course.course_id, "course_code": course.code,
            "unit_code": course.unit_code, "account_id": attendee.account_id,
            "hours": float(attendee.hours), "title": course.title,
            "starts_on": course.starts_on.isoformat(), "ends_on": course.ends_on.isoformat(),
            "tags": tags, "version": course.version})


def withdraw_hours(uow: CoursesUnitOfWork, clock: Clock, course: HeldCourse,
                   removed: list[str], amendment: Amendment) -> None:
    """The hours of teachers an approved amendment took off the list: their transcript
    entries are withdrawn (kept as tombstones of the course's version) and the withdrawal
    is published, per teacher, in the same transaction."""
    for account_id in removed:
        uow.transcripts.withdraw(account_id, NETWORK_SOURCE,
                                 network_key(course.course_id, account_id), course.version,
                                 clock.now())
        uow.record(HOURS_WITHDRAWN, {
            "course_id": course.course_id, "course_code": course.code,
            "unit_code": course.unit_code, "account_id": account_id,
            "amendment_id": amendment.amendment_id, "reference": amendment.reference,
            "version": course.version})


def show(uow: CoursesUnitOfWork, rules: ClosingRules, principal: Principal,
         course_id: str) -> dict[str, Any]:
    with uow:
        course = visible_course(uow, principal, course_id)
        submission = uow.attendance.submission(course_id)
        listed = uow.attendance.attendees(course_id)
        names = uow.teachers.names_and_schools([a.account_id for a in listed])
        return {"course_id": course_id, "status": course.status,
                "due_on": closing.due_on(course, rules.due_days),
                "submitted_at": submission["submitted_at"] if submission else None,
                "late": submission["late"] if submission else None,
                "attendees": [_named(attendee, names) for attendee in listed],
                "total_hours": sum((a.hours for a in listed), Decimal(0)),
                "reviews": uow.attendance.reviews(course_id)}


def _named(attendee: Attendee, names: dict[str, tuple[str, str | None]]) -> dict[str, Any]:
    """An attendee as the reviewer checks the list: by name and school from the teachers'
    replica (null while the teacher's events are on their way), never by a national ID."""
    name, school = names.get(attendee.account_id, (None, None))
    return {"account_id": attendee.account_id, "hours": attendee.hours,
            "walk_in": attendee.walk_in, "teacher_name": name, "school_code": school}
