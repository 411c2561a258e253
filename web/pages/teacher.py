"""The teacher's pages (R-WEB-1, R-CRS-4, R-CRS-9, R-CRS-11): search, a course, enrol and
cancel, my enrolments, my transcript.

Enrolling works with and without script: the form posts here and comes back to the
course page; the page's own script (static/enrol.js) posts the same form asking for JSON
and shows the answer in place. Either way the answer is the API's, and the seat count
shown with it is read after it, so the two never disagree.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, session
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from web.api import Answer
from web.auth import has_role, requires
from web.errors import wants_json
from web.messages import ENROLMENT_STATES, enrolment_state, field_errors, problem_text
from web.pages.calls import as_anyone, as_person, found, safe_id
from web.pages.vocabulary import labels

bp = Blueprint("teacher", __name__)
# An enrolment the teacher holds (cancel is offered); the others but "cancelled" are final
# (declined, not drawn): said on the course page, with neither button.
HOLDING = ("enrolled", "pending", "waitlisted", "applied")
# The seat count an answer was given with, for the course page shown after it without script.
ANSWERED_SEATS = "answered_seats"

# The cross search's filters (issue 11, R-CRS-9): the form offers these; every parameter
# of the page's address is passed on to the API as it is, so a filter the API adds works
# from a link before the form shows it.
FILTERS = ("q", "county", "category", "tag", "time_slot", "start_from", "start_to", "open_now",
           "audience", "class_type", "nature", "subcategory", "subject", "unit", "lecturer",
           "days_ahead", "include_past", "sort")
# Folded away under "More filters" unless one of them is asked for.
MORE_FILTERS = FILTERS[8:]
SEARCH_VOCABULARIES = ("county", "category", "tag", "time_slot", "audience", "class_type",
                       "nature", "subcategory", "subject")
SORTS = (("relevance", _l("Relevance (with a keyword)")), ("start_date", _l("First day")),
         ("newest", _l("Newest")), ("title", _l("Title")))


@bp.get("/courses")
def search() -> ResponseReturnValue:
    # A form sends every field, the ones left blank too; a blank filter is no filter.
    asked = [(name, value) for name, value in request.args.items(multi=True) if value.strip()]
    answer = as_anyone("GET", "/api/courses", params=asked)
    errors: dict[str, str] = {}
    if answer.status == 422:
        errors = field_errors(answer)
    elif not answer.ok:
        found(answer)
    page = answer.body if answer.ok else {"items": [], "total": 0}
    return render_template("teacher/search.html", page=page, errors=errors,
                           facets=_facets(page.get("facets")), filters=FILTERS,
                           args=request.args, vocab=labels(SEARCH_VOCABULARIES), sorts=SORTS,
                           more_asked=any(request.args.get(name) for name in MORE_FILTERS))


def _facets(raw: Any) -> list[tuple[str, list[tuple[str, int]]]]:
    """``{name: {value: count}}`` or ``{name: [{value, count}]}``, as a list to show."""
    shown = []
    for name, counts in (raw or {}).items():
        if isinstance(counts, dict):
            pairs = [(str(value), int(count)) for value, count in counts.items()]
        else:
            pairs = [(str(item.get("value", item.get("code"))), int(item.get("count", 0)))
                     for item in counts if isinstance(item, dict)]
        if pairs:  # a facet with no value left narrows nothing
            shown.append((str(name), pairs))
    return shown


@bp.get("/courses/<course_id>")
def course(course_id: str) -> ResponseReturnValue:
    details = found(as_anyone("GET", f"/api/courses/{safe_id(course_id)}"))
    mine = _my_enrolment(course_id)
    answered = session.pop(ANSWERED_SEATS, None)
    seats_left = (answered["seats_left"] if answered and answered.get("course_id") == course_id
                  else _seats_left(details))
    return render_template("teacher/course.html", course=details, mine=mine, holding=HOLDING,
                           seats_left=seats_left, states=ENROLMENT_STATES,
                           vocab=labels(("county", "category", "tag", "time_slot",
                                         "class_type", "nature", "audience")))


def _my_enrolment(course_id: str) -> dict[str, Any] | None:
    if not has_role("teacher"):
        return None
    for enrolment in as_person("GET", "/api/courses/enrolments/me").body or []:
        if enrolment.get("course_id") == course_id and enrolment.get("status") != "cancelled":
            return dict(enrolment)
    return None


def _seats_left(details: dict[str, Any]) -> int:
    return max(0, int(details.get("capacity") or 0) - int(details.get("enrolled") or 0))


@bp.get("/courses/<course_id>/attachments/<attachment_id>")
def attachment(course_id: str, attachment_id: str) -> ResponseReturnValue:
    """An attachment as the API gives it to this person (a draft's to its unit and its
    reviewers only): always a download, never shown in the page's origin."""
    answer = as_anyone("GET", f"/api/courses/{safe_id(course_id)}/attachments/"
                              f"{safe_id(attachment_id)}")
    found(answer)
    disposition = answer.headers.get("Content-Disposition") or "attachment"
    if not disposition.startswith("attachment"):
        disposition = "attachment"
    return Response(answer.content, mimetype="application/octet-stream", headers={
        "Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"})


@bp.post("/courses/<course_id>/enrolment")
@requires("teacher")
def enrol(course_id: str) -> ResponseReturnValue:
    answer = as_person("POST", f"/api/courses/{safe_id(course_id)}/enrolments")
    return _answered(course_id, answer, "enrol")


@bp.post("/courses/<course_id>/enrolment/cancel")
@requires("teacher")
def cancel(course_id: str) -> ResponseReturnValue:
    answer = as_person("DELETE", f"/api/courses/{safe_id(course_id)}/enrolments/me")
    return _answered(course_id, answer, "cancel")


def _answered(course_id: str, answer: Answer, action: str) -> ResponseReturnValue:
    if answer.status == 404 and answer.problem_type != "no-enrolment":  # cancelled twice
        found(answer)
    outcome = _outcome(answer, action)
    # Read after the answer: the seats it shows include this person's own change.
    details = found(as_anyone("GET", f"/api/courses/{course_id}"))
    seats = 0 if outcome["problem"] == "course-full" else _seats_left(details)
    outcome.update(seats_left=seats, enrolled=int(details.get("enrolled") or 0),
                   waitlisted=int(details.get("waitlisted") or 0))
    if wants_json():
        return jsonify(outcome), (200 if answer.ok else 409)
    # The course page read next may count otherwise (a seat freed since): it shows the count
    # this answer was given with, once, so the two never disagree.
    session[ANSWERED_SEATS] = {"course_id": course_id, "seats_left": seats}
    flash(outcome["message"], "success" if answer.ok else "problem")
    return redirect(f"/courses/{course_id}")


def _outcome(answer: Answer, action: str) -> dict[str, Any]:
    body = answer.body if isinstance(answer.body, dict) else {}
    if answer.ok and action == "cancel":
        return {"ok": True, "status": "cancelled", "problem": None, "enrolled_now": False,
                "message": _("Your enrolment is cancelled.")}
    if answer.ok:
        status = str(body.get("status"))
        message = str(ENROLMENT_STATES.get(status, status))
        if status == "waitlisted" and body.get("position"):
            message = _("On the waiting list, number %(position)s.", position=body["position"])
        return {"ok": True, "status": status, "position": body.get("position"),
                "problem": None, "enrolled_now": True, "message": message}
    problem = answer.problem_type
    message = problem_text(answer)
    held = body.get("enrolment_status")
    if problem == "already-enrolled" and held:
        message = _("You have already enrolled: %(state)s.",
                    state=ENROLMENT_STATES.get(held, held))
    return {"ok": False, "status": held, "problem": problem, "message": message,
            "enrolled_now": problem == "already-enrolled" and held in HOLDING}


@bp.get("/my/enrolments")
@requires("teacher")
def my_enrolments() -> ResponseReturnValue:
    return _enrolments_page(calendar_url=None)


@bp.post("/my/calendar")
@requires("teacher")
def new_calendar_address() -> ResponseReturnValue:
    """A new secret address for the teacher's calendar (RFC 5545): shown in this answer
    only (no redirect, so it is in no session and no address bar); the old one stops."""
    answer = as_person("POST", "/api/courses/calendar-token")
    if not answer.ok:
        flash(problem_text(answer), "problem")
        return redirect("/my/enrolments")
    return _enrolments_page(calendar_url=answer.body.get("url"))


def _enrolments_page(calendar_url: str | None) -> ResponseReturnValue:
    enrolments = as_person("GET", "/api/courses/enrolments/me").body or []
    return render_template("teacher/enrolments.html", enrolments=enrolments,
                           state_of=enrolment_state, calendar_url=calendar_url)


def _transcript_query() -> dict[str, str]:
    return {name: request.args[name] for name in ("year", "tag") if request.args.get(name)}


@bp.get("/my/transcript")
@requires("teacher")
def transcript() -> ResponseReturnValue:
    answer = as_person("GET", "/api/courses/transcripts/me", params=_transcript_query())
    if answer.status == 422:
        return render_template("teacher/transcript.html", transcript=None,
                               errors=field_errors(answer), args=request.args,
                               vocab=labels(("tag",)))
    return render_template("teacher/transcript.html", transcript=found(answer), errors={},
                           args=request.args, vocab=labels(("tag",)))


@bp.get("/my/transcript.csv")
@requires("teacher")
def transcript_csv() -> ResponseReturnValue:
    answer = as_person("GET", "/api/courses/transcripts/me",
                       params={**_transcript_query(), "format": "csv"})
    found(answer)
    return Response(answer.content, mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="transcript.csv"'})


@bp.get("/my/transcript/print")
@requires("teacher")
def transcript_print() -> ResponseReturnValue:
    answer = as_person("GET", "/api/courses/transcripts/me", params=_transcript_query())
    return render_template("teacher/transcript_print.html", transcript=found(answer),
                           vocab=labels(("tag",)))
