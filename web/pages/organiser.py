"""The organiser's pages (a business account; R-CRS-1, R-CRS-2, R-CRS-5, R-CRS-7): register
and edit a course, attach files, submit and resubmit after a return, send the attendee
list, and the unit's traffic light. The API decides scope: another unit's course is a 404
there and here.

Walk-ins are found by national ID through the accounts service's lookup; the ID goes
from the form to that one call and nowhere else — not to the session, not to a log, not
back to the page — and only the account id the lookup answers is kept.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, session
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from web.api import Answer
from web.auth import person, requires
from web.errors import wants_json
from web.messages import COURSE_STATES, field_errors, nested_field_errors, problem_text
from web.pages import course_form
from web.pages.calls import as_person, found, safe_id
from web.pages.vocabulary import COURSE_FACTS, labels, terms

bp = Blueprint("organiser", __name__, url_prefix="/organiser")
FORM_VOCABULARIES = ("category", "subcategory", "subject", "class_type", "nature",
                     "time_slot", "audience", "tag")
LIST_FILTERS = ("status", "starts_from", "starts_to", "page")
WALK_INS = "walk_ins"  # per course, in the session: account ids and names, never an ID number


def unit_of_person() -> str:
    """The unit of the business account signed in (a token without one: the 404 page)."""
    someone = person()
    unit = someone.get("unit") if someone else None
    if not unit:
        abort(404)
    return str(unit)


@bp.get("")
@requires("business")
def dashboard() -> ResponseReturnValue:
    unit = unit_of_person()
    light = as_person("GET", f"/api/courses/units/{unit}/light")
    asked = {name: request.args[name] for name in LIST_FILTERS if request.args.get(name)}
    listed = as_person("GET", f"/api/courses/units/{unit}/courses", params=asked)
    errors = field_errors(listed) if listed.status == 422 else {}
    return render_template("organiser/dashboard.html", unit=unit, args=request.args,
                           light=light.body if light.ok else None, errors=errors,
                           courses=listed.body if listed.ok else {"items": [], "total": 0},
                           states=COURSE_STATES)


def _form_page(values: dict[str, Any], errors: dict[str, str], course: dict[str, Any] | None,
               status: int = 200) -> ResponseReturnValue:
    vocabularies = {kind: terms(kind) for kind in FORM_VOCABULARIES}
    in_series = bool(course and course.get("series"))  # an edit keeps the course's own
    return render_template("organiser/course_form.html", values=values, errors=errors,
                           course=course, vocabularies=vocabularies, in_series=in_series,
                           series_choices=[] if in_series else _series_choices(values)), status


def _series_choices(values: dict[str, Any]) -> list[dict[str, Any]]:
    """The unit's series a course may join as a session (R-CRS-4); the one chosen is kept
    among them though the API's list could not be read, so a refused form loses nothing."""
    answer = as_person("GET", f"/api/courses/units/{unit_of_person()}/series")
    listed = [dict(series) for series in answer.body or []] if answer.ok else []
    chosen = values["series_id"].strip()
    if chosen and all(series.get("id") != chosen for series in listed):
        listed.insert(0, {"id": chosen, "title": values["series_title"].strip() or chosen,
                          "one_session_per_teacher": values["series_one_session"]})
    return listed


@bp.get("/courses/new")
@requires("business")
def new_course() -> ResponseReturnValue:
    """A blank form; ``?after=<course>``: that course's next session, filled from it."""
    after = request.args.get("after")
    if after:
        return _form_page(course_form.next_session(
            found(as_person("GET", f"/api/courses/{safe_id(after)}"))), {}, None)
    return _form_page(course_form.blank(), {}, None)


def _series_made_first(values: dict[str, Any]) -> dict[str, str]:
    """Makes the series a title was typed for, so the course is sent as its session; the
    API's refusal, beside the series' fields, when it will not."""
    asked = course_form.new_series(values)
    if asked is None:
        return {}
    made = as_person("POST", "/api/courses/series", json=asked)
    if made.ok:
        values["series_id"] = str(made.body["id"])
        return {}
    flash(problem_text(made), "problem")
    return {f"series_{name}": text for name, text in field_errors(made).items()} or {
        "series_title": problem_text(made)}


@bp.post("/courses/new")
@requires("business")
def register() -> ResponseReturnValue:
    values = course_form.typed(request.form)
    if "more_meetings" in request.form:  # the form again, nothing sent
        return _form_page(course_form.with_more_meetings(values), {}, None)
    refused = _series_made_first(values)
    if refused:
        return _form_page(values, refused, None, 422)
    answer = as_person("POST", "/api/courses", json=course_form.body(values))
    if answer.ok:
        flash(_("The course is registered as a draft."), "success")
        return redirect(f"/organiser/courses/{answer.body['id']}")
    flash(problem_text(answer), "problem")
    return _form_page(values, course_form.refusal(answer, values), None, 422)


@bp.get("/courses/<course_id>")
@requires("business")
def course(course_id: str) -> ResponseReturnValue:
    details = found(as_person("GET", f"/api/courses/{safe_id(course_id)}"))
    return render_template("organiser/course.html", course=details, states=COURSE_STATES,
                           pending=_pending(details),
                           vocab=labels(COURSE_FACTS))


def _pending(details: dict[str, Any]) -> list[dict[str, Any]]:
    """The enrolments waiting for the unit's acceptance (R-CRS-4), on a course that asks
    for it: until decided a teacher holds a seat as "pending"."""
    if not details.get("organiser_accepts") or details.get("status") != "approved":
        return []
    answer = as_person("GET", f"/api/courses/{details['id']}/enrolments",
                       params={"status": "pending"})
    return list((answer.body or {}).get("enrolments", [])) if answer.ok else []


@bp.post("/courses/<course_id>/enrolments/<enrolment_id>/decision")
@requires("business")
def decide_enrolment(course_id: str, enrolment_id: str) -> ResponseReturnValue:
    decision = request.form.get("decision", "")
    answer = as_person("POST", f"/api/courses/{safe_id(course_id)}/enrolments/"
                               f"{safe_id(enrolment_id)}/decision", json={"decision": decision})
    if answer.status == 404:
        abort(404)
    if answer.ok:
        flash(_("The enrolment is accepted.") if decision == "accept"
              else _("The enrolment is declined; its seat goes to the waiting list."), "success")
    else:
        flash(problem_text(answer), "problem")
    return redirect(f"/organiser/courses/{course_id}#pending-heading")


@bp.get("/courses/<course_id>/edit")
@requires("business")
def edit(course_id: str) -> ResponseReturnValue:
    details = found(as_person("GET", f"/api/courses/{safe_id(course_id)}"))
    return _form_page(course_form.from_course(details), {}, details)


@bp.post("/courses/<course_id>/edit")
@requires("business")
def save(course_id: str) -> ResponseReturnValue:
    values = course_form.typed(request.form)
    if "more_meetings" in request.form:
        details = found(as_person("GET", f"/api/courses/{safe_id(course_id)}"))
        return _form_page(course_form.with_more_meetings(values), {}, details)
    refused = _series_made_first(values)
    if refused:
        details = found(as_person("GET", f"/api/courses/{safe_id(course_id)}"))
        return _form_page(values, refused, details, 422)
    answer = as_person("PATCH", f"/api/courses/{safe_id(course_id)}",
                       json=course_form.body(values))
    if answer.ok:
        flash(_("Your changes are saved."), "success")
        return redirect(f"/organiser/courses/{course_id}")
    details = found(as_person("GET", f"/api/courses/{course_id}"))
    flash(problem_text(answer), "problem")
    return _form_page(values, course_form.refusal(answer, values), details, 422)


@bp.post("/courses/<course_id>/submission")
@requires("business")
def submit(course_id: str) -> ResponseReturnValue:
    answer = as_person("POST", f"/api/courses/{safe_id(course_id)}/submission")
    if answer.status == 404:
        abort(404)
    flash(_("The course is submitted for review.") if answer.ok else problem_text(answer),
          "success" if answer.ok else "problem")
    return redirect(f"/organiser/courses/{course_id}")


@bp.post("/courses/<course_id>/attachments")
@requires("business")
def attach(course_id: str) -> ResponseReturnValue:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a file to attach."), "problem")
        return redirect(f"/organiser/courses/{course_id}")
    answer = as_person("POST", f"/api/courses/{safe_id(course_id)}/attachments",
                       data={"kind": request.form.get("kind", "other")},
                       files={"file": (upload.filename, upload.stream, upload.mimetype)})
    if answer.status == 404:
        abort(404)
    flash(_("The file is attached.") if answer.ok else problem_text(answer),
          "success" if answer.ok else "problem")
    if wants_json():  # upload.js showed the progress; it opens the course page itself
        return jsonify(ok=answer.ok)
    return redirect(f"/organiser/courses/{course_id}")


# -- the attendee list (R-CRS-5) ----------------------------------------------------------

def _walk_ins(course_id: str) -> list[dict[str, str]]:
    return list((session.get(WALK_INS) or {}).get(course_id, []))


@bp.get("/courses/<course_id>/attendance")
@requires("business")
def attendance(course_id: str) -> ResponseReturnValue:
    return _attendance_page(course_id)


def _attendance_page(course_id: str, typed: MultiDict[str, str] | None = None,
                     errors: dict[str, str] | None = None, status: int = 200
                     ) -> ResponseReturnValue:
    """``typed``: a refused list as it was sent, its hours shown again with ``errors``
    (``hours_<account id>``) beside each teacher the API names."""
    details = found(as_person("GET", f"/api/courses/{safe_id(course_id)}"))
    enrolled = as_person("GET", f"/api/courses/{course_id}/enrolments",
                         params={"status": "enrolled"})
    sent = as_person("GET", f"/api/courses/{course_id}/attendance")
    return render_template("organiser/attendance.html", course=details,
                           enrolled=(enrolled.body or {}).get("enrolments", []) if enrolled.ok
                           else [], sent=sent.body if sent.ok else None,
                           walk_ins=_walk_ins(course_id), typed=typed, errors=errors or {},
                           vocab=labels(("roster_return",))), status


def _attendance_errors(answer: Answer, sent: list[dict[str, Any]]) -> dict[str, str]:
    """The API's notes beside each teacher: a rule naming teachers (``account_ids``), or a
    field of the n-th teacher sent (``attendees.2.hours``)."""
    errors: dict[str, str] = {}
    for name, text in nested_field_errors(answer).items():
        parts = name.split("-")
        if parts[0] == "attendees" and len(parts) > 1 and parts[1].isdigit() \
                and int(parts[1]) < len(sent):
            errors[f"hours_{sent[int(parts[1])]['account_id']}"] = text
    body = answer.body if isinstance(answer.body, dict) else {}
    for account_id in body.get("account_ids") or []:
        errors[f"hours_{account_id}"] = problem_text(answer)
    return errors


@bp.post("/courses/<course_id>/walk-ins")
@requires("business")
def add_walk_in(course_id: str) -> ResponseReturnValue:
    # Found from the attendee list, or from a closed course's amendment request.
    back = (f"/organiser/courses/{safe_id(course_id)}/"
            f"{'amendment' if request.form.get('then') == 'amendment' else 'attendance'}")
    national_id = request.form.get("national_id", "").strip().upper()
    if not national_id:
        flash(_("Type the teacher's national ID."), "problem")
        return redirect(back)
    answer = as_person("POST", "/api/accounts/teachers/lookups",
                       json={"national_ids": [national_id]})
    del national_id  # used for this one call only
    results = answer.body if answer.ok and isinstance(answer.body, list) else []
    found_one = results[0] if results else {}
    if found_one.get("account_id"):
        kept = dict(session.get(WALK_INS) or {})
        listed = [entry for entry in kept.get(course_id, [])
                  if entry["account_id"] != found_one["account_id"]]
        listed.append({"account_id": found_one["account_id"],
                       "name": found_one.get("display_name") or found_one.get("login", "")})
        kept[course_id] = listed
        session[WALK_INS] = kept
        flash(_("Added %(name)s as a walk-in.", name=listed[-1]["name"]), "success")
    elif found_one.get("found"):
        flash(_("This teacher is not at a school of your unit; ask the teacher's school."),
              "problem")
    elif answer.ok:
        flash(_("No teacher has this national ID."), "problem")
    else:
        flash(problem_text(answer), "problem")
    return redirect(back)


@bp.post("/courses/<course_id>/attendance")
@requires("business")
def send_attendance(course_id: str) -> ResponseReturnValue:
    walk_in_ids = {entry["account_id"] for entry in _walk_ins(course_id)}
    attendees = []
    for account_id in request.form.getlist("account_id"):
        hours = request.form.get(f"hours_{account_id}", "").strip()
        if hours:
            attendees.append({"account_id": account_id, "hours": hours,
                              "walk_in": account_id in walk_in_ids})
    answer = as_person("PUT", f"/api/courses/{safe_id(course_id)}/attendance",
                       json={"attendees": attendees})
    if answer.status == 404:
        abort(404)
    if answer.ok:
        flash(_("The attendee list is sent."), "success")
        return redirect(f"/organiser/courses/{course_id}/attendance")
    flash(problem_text(answer), "problem")
    return _attendance_page(course_id, request.form, _attendance_errors(answer, attendees), 422)
