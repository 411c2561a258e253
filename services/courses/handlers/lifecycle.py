"""Registering, editing, submitting and reviewing courses (R-CRS-1…3, R-CRS-10), and
reading them. Each use case is one unit of work: the change and its event commit together."""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from contracts.calendar import taipei_date
from contracts.events.courses import (
    COURSE_REGISTERED,
    COURSE_REGISTERED_V2,
    COURSE_REVIEWED,
    COURSE_SUBMITTED,
    COURSE_SUBMITTED_V2,
)
from servicekit.clock import Clock
from servicekit.errors import Conflict, Forbidden, Invalid, NotFound
from services.courses.adapters.uow import CoursesUnitOfWork
from services.courses.domain import access
from services.courses.domain.courses import (
    APPROVE,
    APPROVED,
    DRAFT,
    EDITABLE_FIELDS,
    RETURNED,
    SUBMITTED,
    Course,
    Review,
    Series,
    check_course,
    check_decision,
    check_editable,
    check_submittable,
    course_code,
    meeting_keywords,
)
from services.courses.domain.lights import LIGHT_RED, SubmissionGate
from services.courses.domain.meetings import meeting_only
from services.courses.domain.reviewers import reviewer_on
from services.courses.domain.vocabularies import MEETING_KEYWORD
from services.courses.handlers import catalogue, lights
from services.courses.metrics import REVIEWS

if TYPE_CHECKING:  # the token's reader pulls in the web stack; handlers need only its shape
    from servicekit.tokens import Principal


def _acting_unit(principal: Principal) -> str:
    if not principal.has_any_role("business") or not principal.unit:
        raise Forbidden("a course is registered by a business account of its unit",
                        slug="no-unit")
    return principal.unit


def _visible(work: CoursesUnitOfWork, principal: Principal | None, course_id: str) -> Course:
    course = work.courses.get(course_id)
    if course is None or not access.may_see(principal, course):
        raise access.course_not_found(course_id)
    return course


def organised_course(work: CoursesUnitOfWork, principal: Principal, course_id: str) -> Course:
    """The course, for a business account of its unit; not found for anyone else (a
    course of another unit is not theirs to act on, published or not: the answer is the
    one for a course that does not exist)."""
    course = work.courses.get(course_id)
    if course is None or not access.organises(principal, course):
        raise access.course_not_found(course_id)
    return course


def _save(work: CoursesUnitOfWork, course: Course, expected_version: int) -> None:
    if not work.courses.update(course, expected_version):
        raise Conflict("course-changed", "The course changed meanwhile",
                       "someone else changed this course; read it again and retry")


def registered_data(course: Course) -> dict[str, Any]:
    """``course.registered.v2`` of a course: the moment it was registered and its hours."""
    return {"course_id": course.course_id, "code": course.code, "unit_code": course.unit_code,
            "title": course.title, "starts_on": course.starts_on.isoformat(),
            "registered_at": course.created_at.isoformat(), "version": course.version,
            "hours": f"{course.hours:.1f}"}


def submitted_data(course: Course, at: datetime, resubmission: bool,
                   keywords: list[str]) -> dict[str, Any]:
    """``course.submitted.v2`` of a course sent for review at ``at``: the meeting names its
    title holds (the operators' ``keywords``) and whether it is nothing but one."""
    return {"course_id": course.course_id, "code": course.code, "unit_code": course.unit_code,
            "reviewing_authority_code": course.reviewing_authority_code,
            "submitted_at": at.isoformat(), "resubmission": resubmission,
            "meeting_keywords": meeting_keywords(course.title, keywords),
            "meeting_only": meeting_only(course.title, keywords), "version": course.version}


def register(work: CoursesUnitOfWork, clock: Clock, principal: Principal,
             fields: dict[str, Any], course_id: str | None = None) -> dict[str, Any]:
    """R-CRS-1: a draft of the caller's own unit, with a generated code. ``course_id``:
    the id to give it (the demo seed's stable ids), a new one otherwise."""
    unit = _acting_unit(principal)
    now = clock.now()
    with work:
        values = {"series_id": None, "tags": [],
                  **{k: v for k, v in fields.items() if k in EDITABLE_FIELDS}}
        course = Course(course_id=course_id or str(uuid.uuid4()), code="", status=DRAFT, unit_code=unit,
                        organiser_account_id=principal.subject, created_at=now, updated_at=now,
                        **values)
        series = work.courses.series(course.series_id) if course.series_id else None
        check_course(course, work.vocabularies.vocabulary(), series)
        year = taipei_date(now).year
        course.code = course_code(year, work.courses.next_number(year))
        work.courses.add(course)
        registered = registered_data(course)
        # v1 until every consumer reads v2 (docs/architecture.md, "Events")
        work.record(COURSE_REGISTERED, {k: v for k, v in registered.items() if k != "hours"})
        work.record(COURSE_REGISTERED_V2, registered)
        return course_view(work, principal, course)


def edit(work: CoursesUnitOfWork, clock: Clock, principal: Principal, course_id: str,
         changes: dict[str, Any]) -> dict[str, Any]:
    """A draft or a returned course, by its unit; every rule checked on the result."""
    with work:
        course = organised_course(work, principal, course_id)
        check_editable(course)
        changed = replace(course, **{k: v for k, v in changes.items() if k in EDITABLE_FIELDS},
                          version=course.version + 1, updated_at=clock.now())
        series = work.courses.series(changed.series_id) if changed.series_id else None
        check_course(changed, work.vocabularies.vocabulary(), series)
        _save(work, changed, course.version)
        return course_view(work, principal, changed)


def submit(work: CoursesUnitOfWork, clock: Clock, principal: Principal, course_id: str,
           days_ahead: int) -> dict[str, Any]:
    """R-CRS-2, R-CRS-3: at least ``days_ahead`` days before the first meeting, to the
    authority that reviews the unit's courses today (R-ORG-3/4, from the replica)."""
    now = clock.now()
    today = taipei_date(now)
    with work:
        course = organised_course(work, principal, course_id)
        check_submittable(course, today, days_ahead)
        # R-CRS-7: the unit's traffic light, counted by the closing part of the service:
        # red refuses from the enforcement date, and before it lets through with a warning.
        light = work.lights.gate(course.unit_code, today)
        authority = _reviewing_authority(work, course.unit_code, today)
        submitted = replace(course, status=SUBMITTED, reviewing_authority_code=authority,
                            submitted_at=now, updated_at=now, version=course.version + 1)
        _save(work, submitted, course.version)
        # R-CRS-10: the operators' list of meeting names, as it stands today
        keywords = work.vocabularies.vocabulary().active_labels(MEETING_KEYWORD)
        data = submitted_data(submitted, now, course.status == RETURNED, keywords)
        # v1 until every consumer reads v2 (docs/architecture.md, "Events")
        work.record(COURSE_SUBMITTED, {k: v for k, v in data.items() if k != "meeting_only"})
        work.record(COURSE_SUBMITTED_V2, data)
        return {**course_view(work, principal, submitted), "warnings": _warnings(light)}


def _warnings(light: SubmissionGate) -> list[dict[str, Any]]:
    """What the organiser is told beside a submission that went through."""
    if light.warning is None:
        return []
    return [{"slug": LIGHT_RED, "title": "The unit's light is red", "detail": light.warning,
             "light": light.light, "overdue": light.overdue,
             "enforced_from": light.enforced_from}]


def _reviewing_authority(work: CoursesUnitOfWork, unit_code: str, day: date) -> str:
    unit = work.units.unit(unit_code)
    if unit is None:
        raise Conflict("unit-unknown", "The unit is not known yet",
                       f"unit {unit_code} has not reached the courses service; try again "
                       f"shortly", unit_code=unit_code)
    answer = reviewer_on(unit["unit_type"], unit["county_code"], unit["authority_code"],
                         work.units.changes(unit_code), work.units.rules(unit["unit_type"]), day)
    if answer.reviewing_authority_code is None:
        raise Conflict("no-reviewer", "No authority reviews this unit's courses",
                       f"the routing names no reviewing authority for {unit_code} on "
                       f"{day.isoformat()}", unit_code=unit_code)
    return answer.reviewing_authority_code


def review(work: CoursesUnitOfWork, clock: Clock, principal: Principal, course_id: str,
           decision: str, reasons: list[str], comment: str | None) -> dict[str, Any]:
    """R-CRS-3: the reviewing authority's reviewer approves, or returns with reasons from
    the list and free text; each decision is kept."""
    now = clock.now()
    with work:
        course = work.courses.get(course_id)
        if course is None or not access.reviews(principal, course):
            # Another authority's course, published or not, is not theirs to decide: the
            # answer is the one for a course that does not exist.
            raise access.course_not_found(course_id)
        if course.status != SUBMITTED:
            raise Conflict("course-not-submitted", "The course is not waiting for review",
                           f"course {course.code} is {course.status}", course_status=course.status)
        check_decision(decision, reasons, work.vocabularies.vocabulary())
        authority = course.reviewing_authority_code or ""
        decided = replace(course, status=APPROVED if decision == APPROVE else RETURNED,
                          approved_at=now if decision == APPROVE else None,
                          updated_at=now, version=course.version + 1)
        _save(work, decided, course.version)
        work.courses.add_review(Review(str(uuid.uuid4()), course.course_id, decision,
                                       list(reasons), comment, principal.subject, authority,
                                       now, taipei_date(now)))
        work.record(COURSE_REVIEWED, {
            "course_id": course.course_id, "code": course.code, "unit_code": course.unit_code,
            "decision": decision, "reasons": list(reasons),
            "reviewing_authority_code": authority, "reviewed_on": taipei_date(now).isoformat(),
            "reviewed_at": now.isoformat(), "version": decided.version})
        if decision == APPROVE:
            catalogue.record_published(work, decided, taipei_date(now))
        view = course_view(work, principal, decided)
    REVIEWS.labels(decision).inc()  # committed
    return view


def create_series(work: CoursesUnitOfWork, clock: Clock, principal: Principal, title: str,
                  one_session_per_teacher: bool) -> dict[str, Any]:
    unit = _acting_unit(principal)
    if not title.strip():
        raise Invalid("validation-failed", "The request is not valid",
                      "See `errors` for each field.", errors={"title": ["must not be blank"]})
    series = Series(str(uuid.uuid4()), unit, title.strip(), one_session_per_teacher, clock.now())
    with work:
        work.courses.add_series(series)
    return series_view(series)


# -- reading --------------------------------------------------------------------------------

def get_course(work: CoursesUnitOfWork, principal: Principal | None,
               course_id: str) -> dict[str, Any]:
    with work:
        return course_view(work, principal, _visible(work, principal, course_id))


def review_queue(work: CoursesUnitOfWork, principal: Principal,
                 query: dict[str, Any]) -> dict[str, Any]:
    """R-CRS-3: only the caller's own authority's courses, ever."""
    page, per_page = query["page"], query["per_page"]
    if not principal.authority:
        return {"items": [], "page": page, "per_page": per_page, "total": 0}
    statuses = [query["status"]] if query.get("status") else [SUBMITTED]
    with work:
        found, total = work.courses.review_queue(
            principal.authority, statuses, query.get("unit"), query.get("starts_from"),
            query.get("starts_to"), query["sort"], query["order"] == "desc", page, per_page)
        return _listed(work, found, total, page, per_page)


def unit_courses(work: CoursesUnitOfWork, principal: Principal, unit_code: str,
                 query: dict[str, Any]) -> dict[str, Any]:
    """A unit's own courses in every state, its drafts too, for its organisers (and the
    network's operators): the list an organiser works from. Another unit's is no unit."""
    page, per_page = query["page"], query["per_page"]
    own = principal.has_any_role("business") and principal.unit == unit_code
    if not (own or principal.has_any_role("operator", "admin")):
        raise NotFound(f"no unit {unit_code}", slug="unit-not-found", title="No such unit")
    statuses = [query["status"]] if query.get("status") else []
    with work:
        found, total = work.courses.of_unit(
            unit_code, statuses, query.get("starts_from"), query.get("starts_to"),
            query["sort"], query["order"] == "desc", page, per_page)
        return _listed(work, found, total, page, per_page)


def unit_series(work: CoursesUnitOfWork, principal: Principal,
                unit_code: str) -> list[dict[str, Any]]:
    """The unit's course series, for a course to join as a session: to its business
    accounts, the reviewers of its authority (or county) and the network's staff; to
    anyone else the unit does not exist (404, as its courses, light and amendments)."""
    with work:
        unit = work.closing.unit(unit_code)
        if unit is None or not lights.may_see(principal, unit):
            raise NotFound(f"no unit {unit_code}", slug="unit-not-found", title="No such unit")
        return [{**series_view(series), "sessions": sessions}
                for series, sessions in work.courses.series_of_unit(unit_code)]


def _listed(work: CoursesUnitOfWork, found: list[Course], total: int, page: int,
            per_page: int) -> dict[str, Any]:
    """A page of courses, each flagged by the operators' meeting names (R-CRS-10)."""
    meetings = meeting_names(work) if found else []
    return {"items": [summary(c, meetings) for c in found], "page": page,
            "per_page": per_page, "total": total}


def series_view(series: Series) -> dict[str, Any]:
    return {"id": series.series_id, "unit_code": series.unit_code, "title": series.title,
            "one_session_per_teacher": series.one_session_per_teacher}


def meeting_names(work: CoursesUnitOfWork) -> list[str]:
    """The operators' list of meeting names (R-CRS-10), as the submission warns with."""
    return work.vocabularies.vocabulary().active_labels(MEETING_KEYWORD)


def summary(course: Course, meetings: Iterable[str]) -> dict[str, Any]:
    """A course in a list; ``meetings``: the operators' meeting names it is checked for."""
    found = meeting_keywords(course.title, meetings)
    return {"id": course.course_id, "code": course.code, "title": course.title,
            "status": course.status, "unit_code": course.unit_code,
            "starts_on": course.starts_on, "ends_on": course.ends_on, "hours": course.hours,
            "capacity": course.capacity, "county_code": course.county_code,
            "enrolment_opens_at": course.enrolment_opens_at,
            "enrolment_closes_at": course.enrolment_closes_at, "fairness": course.fairness,
            "submitted_at": course.submitted_at, "tags": course.tags,
            "meeting_keywords": found, "meeting_flag": bool(found)}


def course_view(work: CoursesUnitOfWork, principal: Principal | None,
                course: Course) -> dict[str, Any]:
    counts = work.courses.enrolment_counts(course.course_id)
    series = work.courses.series(course.series_id) if course.series_id else None
    unit = work.units.unit(course.unit_code)  # the replica's name, for people to read
    view = {**summary(course, meeting_names(work)), **{name: getattr(course, name) for name in (
        "audiences", "class_type", "nature", "category", "subcategory",
        "subject", "time_slot", "meetings", "place", "lecturers", "organiser_accepts",
        "reviewing_authority_code", "version", "approved_at")},
        "unit_name": unit["name"] if unit else None,
        "enrolled": counts.get("enrolled", 0), "waitlisted": counts.get("waitlisted", 0),
        "series": series_view(series) if series else None,
        "attachments": [{"id": a.attachment_id, "kind": a.kind, "filename": a.filename,
                         "media_type": a.media_type, "size": a.size}
                        for a in work.courses.attachments(course.course_id)]}
    if access.sees_internals(principal, course):
        view["organiser_account_id"] = course.organiser_account_id
        view["reviews"] = [{"decision": r.decision, "reasons": r.reasons, "comment": r.comment,
                            "reviewing_authority_code": r.reviewing_authority_code,
                            "decided_at": r.decided_at}
                           for r in work.courses.reviews(course.course_id)]
    return view
