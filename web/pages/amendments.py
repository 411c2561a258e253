"""Amendments after closing (R-CRS-6) and the meeting-name report (R-CRS-10).

The organiser of a closed course asks for an amendment: the course's title, place, dates
or hours, a listed teacher's new hours, a teacher added (holding a seat, or a walk-in
found by national ID on the attendee page) or removed, with the reason. The approver the
API routes it to — a county's or an authority's reviewers, or the network's operators —
reads the month's batch and approves (naming the approving document's reference) or
rejects each request. Reviewers, operators and the ministry's viewers read which courses
sent for review have a meeting's name for a title. The API decides scope: a course or an
amendment the person may not see is a 404 there and here.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, session
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from web import dates
from web.api import Answer
from web.auth import has_role, requires
from web.i18n import current_language
from web.messages import COURSE_STATES, nested_field_errors, problem_text
from web.pages.calls import as_person, found, safe_id
from web.pages.organiser import WALK_INS
from web.pages.organiser import unit_of_person as organisers_unit
from web.pages.plans import current_school_year

bp = Blueprint("amendments", __name__)

COURSE_FIELDS = ("title", "place", "starts_on", "ends_on", "hours")
FIELD_LABELS = {"title": _l("Title"), "place": _l("Place"), "starts_on": _l("First day"),
                "ends_on": _l("Last day"), "hours": _l("Hours"),
                "attendees": _l("Teachers' hours"),
                "remove_attendees": _l("Teachers removed")}
AMENDMENT_STATES = {"pending": _l("Waiting for a decision"), "approved": _l("Approved"),
                    "rejected": _l("Rejected")}
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
# Problems the API answers about a row of the attendee list, naming the teachers.
ROW_PROBLEMS = ("duplicate-attendee", "not-an-attendee", "not-enrolled", "invalid-hours",
                "hours-above-course", "walk-in-not-a-teacher")
SENT_PER_PAGE = 100  # a course's requests on its amendment page; the unit's page has them all
OPERATORS = ("operator", "admin")
REPORT_READERS = ("operator", "admin", "viewer")


# -- the organiser's request ---------------------------------------------------------------

def _closed_course(course_id: str) -> dict[str, Any]:
    details = found(as_person("GET", f"/api/courses/{safe_id(course_id)}"))
    if details.get("status") != "closed":
        abort(404)  # only a closed course is amended; an open one is edited directly
    return dict(details)


def _rows(course_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]],
                                   list[dict[str, Any]]]:
    """The attendee list as approved (with the names the enrolments give), the enrolled
    teachers not on it, and the walk-ins found on the attendee page (kept by account id)."""
    sent = as_person("GET", f"/api/courses/{course_id}/attendance")
    enrolled = as_person("GET", f"/api/courses/{course_id}/enrolments",
                         params={"status": "enrolled"})
    seats = (enrolled.body or {}).get("enrolments", []) if enrolled.ok else []
    names = {row["account_id"]: row.get("teacher_name") or "" for row in seats}
    listed = [{"account_id": row["account_id"], "hours": row.get("hours"),
               "walk_in": bool(row.get("walk_in")), "name": names.get(row["account_id"], "")}
              for row in ((sent.body or {}).get("attendees", []) if sent.ok else [])]
    on_list = {row["account_id"] for row in listed}
    addable = [{"account_id": row["account_id"], "name": names[row["account_id"]]}
               for row in seats if row["account_id"] not in on_list]
    offered = on_list | {row["account_id"] for row in addable}
    walk_ins = [entry for entry in (session.get(WALK_INS) or {}).get(course_id, [])
                if entry["account_id"] not in offered]
    return listed, addable, walk_ins


def _sent(params: dict[str, Any]) -> Answer:
    """The unit's own requests (newest first) with where each decision stands."""
    return as_person("GET", f"/api/courses/units/{organisers_unit()}/amendments", params=params)


def _request_page(course: dict[str, Any], typed: MultiDict[str, str] | None,
                  errors: dict[str, str], status: int = 200) -> ResponseReturnValue:
    listed, addable, walk_ins = _rows(course["id"])
    sent = _sent({"course_id": course["id"], "per_page": SENT_PER_PAGE})
    return render_template("organiser/amendment.html", course=course, listed=listed,
                           addable=addable, walk_ins=walk_ins, typed=typed or MultiDict(),
                           errors=errors, sent=sent.body if sent.ok else None,
                           labels=FIELD_LABELS, states=AMENDMENT_STATES), status


@bp.get("/organiser/courses/<course_id>/amendment")
@requires("business")
def amendment_form(course_id: str) -> ResponseReturnValue:
    return _request_page(_closed_course(course_id), None, {})


def _amendment_body(form: MultiDict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The request as the API takes it, only what was filled, and the input behind each
    teacher sent in ``changes.attendees`` (in order), for the API's errors by row."""
    changes: dict[str, Any] = {name: form.get(f"changes-{name}", "").strip()
                               for name in COURSE_FIELDS}
    changes = {name: value for name, value in changes.items() if value}
    attendees: list[dict[str, Any]] = []
    inputs: list[str] = []
    for kind, walk_in in (("listed", False), ("addable", False), ("walk_in", True)):
        for account_id in form.getlist(kind):
            name = f"hours-{account_id}"
            hours = form.get(name, "").strip()
            if hours:
                attendees.append({"account_id": account_id, "hours": hours,
                                  "walk_in": account_id in form.getlist("listed_walk_in")
                                  if kind == "listed" else walk_in})
                inputs.append(name)
    if attendees:
        changes["attendees"] = attendees
    removed = [account for account in form.getlist("remove") if account in form.getlist("listed")]
    if removed:
        changes["remove_attendees"] = removed
    return {"changes": changes, "reason": form.get("reason", "").strip()}, inputs


def _request_errors(answer: Answer, inputs: list[str]) -> dict[str, str]:
    """The API's notes beside the fields typed: ``changes.hours`` beside the course's
    hours, ``changes.attendees.2.hours`` beside the third teacher sent, and a rule about
    teachers (``account_ids``, or ``rows`` by place sent) beside each teacher named."""
    errors: dict[str, str] = {}
    for name, text in nested_field_errors(answer).items():
        parts = name.split("-")
        if parts[:2] == ["changes", "attendees"] and len(parts) > 2 and parts[2].isdigit() \
                and int(parts[2]) < len(inputs):
            errors[inputs[int(parts[2])]] = text
        elif parts[:2] == ["changes", "remove_attendees"]:
            errors["remove"] = text
        else:
            errors[name] = text
    body = answer.body if isinstance(answer.body, dict) else {}
    if answer.problem_type in ROW_PROBLEMS:
        text = problem_text(answer)
        for account_id in body.get("account_ids") or []:
            errors[f"hours-{account_id}"] = text
    if answer.problem_type == "dates-out-of-order":
        errors["changes-ends_on"] = problem_text(answer)
    return errors


@bp.post("/organiser/courses/<course_id>/amendment")
@requires("business")
def request_amendment(course_id: str) -> ResponseReturnValue:
    body, inputs = _amendment_body(request.form)
    answer = as_person("POST", f"/api/courses/{safe_id(course_id)}/amendments", json=body)
    if answer.status in (403, 404):
        abort(404)
    if answer.ok:
        sent = answer.body or {}
        flash(_("The amendment is requested. %(approver)s decides it by %(day)s.",
                approver=sent.get("approver_authority_code", ""),
                day=dates.day(sent.get("due_on"), current_language())), "success")
        return redirect(f"/organiser/courses/{course_id}/amendment")  # listed there
    flash(problem_text(answer), "problem")
    return _request_page(_closed_course(course_id), request.form,
                         _request_errors(answer, inputs), 422)


@bp.get("/organiser/amendments")
@requires("business")
def unit_amendments() -> ResponseReturnValue:
    """Every request of the unit, by state, a page at a time."""
    asked = {name: request.args[name] for name in ("status", "page") if request.args.get(name)}
    errors: dict[str, str] = {}
    if asked.get("status", "pending") not in AMENDMENT_STATES:
        errors["status"] = _("Choose one of the states listed.")
    if not asked.get("page", "1").isdigit():
        errors["page"] = _("A whole number.")
    answer = None if errors else _sent(asked)
    if answer is not None and answer.status == 422:
        errors = nested_field_errors(answer)
    elif answer is not None and not answer.ok:
        flash(problem_text(answer), "problem")
    sent = answer.body if answer is not None and answer.ok else None
    return render_template("organiser/amendments.html", sent=sent, args=request.args,
                           errors=errors, labels=FIELD_LABELS,
                           states=AMENDMENT_STATES), 422 if errors else 200


# -- the approver's monthly batch ------------------------------------------------------------

def _month(errors: dict[str, str]) -> str:
    asked = (request.values.get("month") or "").strip()
    if not asked:
        return datetime.now(dates.TAIPEI).strftime("%Y-%m")
    if not MONTH.match(asked):
        errors["month"] = _("A month, as YYYY-MM.")
    return asked


def _titles(requests: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each course's code and title (the batch names courses by id only)."""
    courses: dict[str, dict[str, Any]] = {}
    for course_id in dict.fromkeys(item.get("course_id", "") for item in requests):
        if course_id and course_id.replace("-", "").isalnum():
            answer = as_person("GET", f"/api/courses/{course_id}")
            if answer.ok and isinstance(answer.body, dict):
                courses[course_id] = answer.body
    return courses


def _batch_page(prefix: str, typed: dict[str, MultiDict[str, str]] | None = None,
                errors: dict[str, str] | None = None, status: int = 200) -> ResponseReturnValue:
    errors = dict(errors or {})
    month = _month(errors)
    approver = (request.values.get("approver") or "").strip() if prefix == "operator" else ""
    if approver and not CODE.match(approver):
        errors["approver"] = _("Letters, digits, - and _ only, up to 32.")
    batch: dict[str, Any] | None = None
    if "month" not in errors and "approver" not in errors:
        answer = as_person("GET", f"/api/courses/amendments/batches/{month}",
                           params={"approver": approver} if approver else None)
        if answer.ok:
            batch = answer.body
        elif answer.status == 422:
            errors.update(nested_field_errors(answer))
        else:
            flash(problem_text(answer), "problem")
    routes = as_person("GET", "/api/courses/amendment-routes") if prefix == "operator" else None
    requests = (batch or {}).get("requests", [])
    return render_template(
        "amendments/batch.html", prefix=prefix, month=month, approver=approver, batch=batch,
        requests=requests, courses=_titles(requests), errors=errors, typed=typed or {},
        routes=routes.body if routes is not None and routes.ok else None,
        may_decide=has_role("reviewer", "operator"), labels=FIELD_LABELS,
        states=AMENDMENT_STATES), status


@bp.get("/reviewer/amendments")
@requires("reviewer")
def reviewer_batch() -> ResponseReturnValue:
    return _batch_page("reviewer")


@bp.get("/operator/amendments")
@requires(*OPERATORS)
def operator_batch() -> ResponseReturnValue:
    return _batch_page("operator")


def _decide(prefix: str, amendment_id: str) -> ResponseReturnValue:
    if not amendment_id.replace("-", "").isalnum():
        abort(404)
    decision = request.form.get("decision", "")
    reference = request.form.get("reference", "").strip()
    answer = as_person("POST", f"/api/courses/amendments/{amendment_id}/decision",
                       json={"decision": decision, "reference": reference or None,
                             "comment": request.form.get("comment", "").strip() or None})
    if answer.status in (403, 404):
        abort(404)
    back = f"/{prefix}/amendments"
    month = request.form.get("month", "")
    if MONTH.match(month):
        back += f"?month={month}"
        if prefix == "operator" and CODE.match(request.form.get("approver", "")):
            back += f"&approver={request.form['approver']}"
    if answer.ok:
        flash(_("The amendment is approved and applied.") if decision == "approve"
              else _("The amendment is rejected."), "success")
        return redirect(back)
    if answer.status != 422:
        flash(problem_text(answer), "problem")
        return redirect(back)
    errors = {f"{name}-{amendment_id}": text
              for name, text in nested_field_errors(answer).items()}
    if answer.problem_type == "reference-required":
        errors[f"reference-{amendment_id}"] = problem_text(answer)
    flash(problem_text(answer), "problem")
    return _batch_page(prefix, typed={amendment_id: request.form}, errors=errors, status=422)


@bp.post("/reviewer/amendments/<amendment_id>/decision")
@requires("reviewer")
def reviewer_decide(amendment_id: str) -> ResponseReturnValue:
    return _decide("reviewer", amendment_id)


@bp.post("/operator/amendments/<amendment_id>/decision")
@requires("operator")
def operator_decide(amendment_id: str) -> ResponseReturnValue:
    return _decide("operator", amendment_id)


# -- the meeting-name report (R-CRS-10) -------------------------------------------------------

def _report_page(prefix: str) -> ResponseReturnValue:
    year = current_school_year()
    first = date(year + dates.ROC_OFFSET, 8, 1)
    asked = {"from": request.args.get("from", "").strip() or first.isoformat(),
             "to": request.args.get("to", "").strip()
             or date(first.year + 1, 7, 31).isoformat()}
    errors: dict[str, str] = {}
    authority = request.args.get("authority", "").strip() if prefix == "operator" else ""
    if authority and not CODE.match(authority):
        errors["authority"] = _("Letters, digits, - and _ only, up to 32.")
    elif authority:
        asked["authority"] = authority
    report = None
    if not errors:
        answer = as_person("GET", "/api/courses/meeting-report", params=asked)
        if answer.ok:
            report = answer.body
        elif answer.status == 422:
            errors = nested_field_errors(answer)
            flash(problem_text(answer), "problem")
        else:
            flash(problem_text(answer), "problem")
    return render_template("amendments/meeting_report.html", prefix=prefix, asked=asked,
                           authority=authority, report=report, errors=errors,
                           states=COURSE_STATES), 422 if errors else 200


@bp.get("/reviewer/meeting-report")
@requires("reviewer")
def reviewer_meeting_report() -> ResponseReturnValue:
    return _report_page("reviewer")


@bp.get("/operator/meeting-report")
@requires(*REPORT_READERS)
def operator_meeting_report() -> ResponseReturnValue:
    return _report_page("operator")
