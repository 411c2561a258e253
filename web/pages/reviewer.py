"""The reviewer's pages (R-CRS-3, R-CRS-5, R-CRS-10): the queues of courses and of
attendee lists, filtered and sorted; approve or return with reasons from the list; the
meeting-keyword warning beside a course. The API keeps a reviewer to their authority: a
course routed elsewhere is a 404 there and here."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from web.auth import requires
from web.messages import COURSE_STATES, field_errors, problem_text
from web.pages.calls import as_person, found, safe_id
from web.pages.vocabulary import COURSE_FACTS, labels, terms

bp = Blueprint("reviewer", __name__, url_prefix="/reviewer")
QUEUES = {"courses": "submitted", "attendance": "attendance_submitted"}
QUEUE_FILTERS = ("unit", "starts_from", "starts_to", "sort", "order", "page")
SORTS = ("submitted_at", "starts_on", "code", "unit_code")


@bp.get("")
@requires("reviewer")
def home() -> ResponseReturnValue:
    return redirect("/reviewer/queue/courses")


@bp.get("/queue/<queue>")
@requires("reviewer")
def queue(queue: str) -> ResponseReturnValue:
    if queue not in QUEUES:
        abort(404)
    params: dict[str, Any] = {name: request.args[name] for name in QUEUE_FILTERS
                              if request.args.get(name)}
    answer = as_person("GET", "/api/courses/review-queue",
                       params={**params, "status": QUEUES[queue]})
    errors = field_errors(answer) if answer.status == 422 else {}
    page = answer.body if answer.ok else {"items": [], "total": 0}
    return render_template("reviewer/queue.html", queue=queue, page=page, errors=errors,
                           args=request.args, sorts=SORTS, states=COURSE_STATES)


@bp.get("/courses/<course_id>")
@requires("reviewer")
def course(course_id: str) -> ResponseReturnValue:
    details = found(as_person("GET", f"/api/courses/{safe_id(course_id)}"))
    return render_template("reviewer/course.html", course=details, states=COURSE_STATES,
                           reasons=terms("return_reason"), errors={},
                           vocab=labels(COURSE_FACTS))


@bp.post("/courses/<course_id>/review")
@requires("reviewer")
def review(course_id: str) -> ResponseReturnValue:
    decision = request.form.get("decision", "")
    answer = as_person("POST", f"/api/courses/{safe_id(course_id)}/review",
                       json={"decision": decision, "reasons": request.form.getlist("reasons"),
                             "comment": request.form.get("comment") or None})
    if answer.ok:
        flash(_("The course is approved.") if decision == "approve"
              else _("The course is returned to its organiser."), "success")
        return redirect("/reviewer/queue/courses")
    if answer.status == 404:
        abort(404)
    details = found(as_person("GET", f"/api/courses/{course_id}"))
    flash(problem_text(answer), "problem")
    return render_template("reviewer/course.html", course=details, states=COURSE_STATES,
                           reasons=terms("return_reason"), errors=field_errors(answer),
                           typed=request.form,
                           vocab=labels(COURSE_FACTS)), 422


@bp.get("/courses/<course_id>/attendance")
@requires("reviewer")
def attendance(course_id: str) -> ResponseReturnValue:
    return _attendance_page(course_id)


def _attendance_page(course_id: str, typed: Any = None, errors: dict[str, str] | None = None,
                     status: int = 200) -> ResponseReturnValue:
    """``typed``: a refused review as sent, its reasons and comment kept, the API's notes
    beside them."""
    details = found(as_person("GET", f"/api/courses/{safe_id(course_id)}"))
    sent = found(as_person("GET", f"/api/courses/{course_id}/attendance"))
    return render_template("reviewer/attendance.html", course=details, sent=sent,
                           reasons=terms("roster_return"), typed=typed,
                           errors=errors or {}), status


@bp.post("/courses/<course_id>/attendance/review")
@requires("reviewer")
def review_attendance(course_id: str) -> ResponseReturnValue:
    decision = request.form.get("decision", "")
    answer = as_person("POST", f"/api/courses/{safe_id(course_id)}/attendance/review",
                       json={"decision": decision, "reasons": request.form.getlist("reasons"),
                             "comment": request.form.get("comment") or None})
    if answer.status == 404:
        abort(404)
    if answer.ok:
        flash(_("The attendee list is approved and the hours are issued.")
              if decision == "approve" else _("The attendee list is returned."), "success")
        return redirect("/reviewer/queue/attendance")
    flash(problem_text(answer), "problem")
    return _attendance_page(course_id, request.form, field_errors(answer), 422)
