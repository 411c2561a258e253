"""Digital-material and distance-course review pages (R-CRS-14, issue 14 point 4): a
teacher-education university submits a case, attaches files and resubmits after
"revise"; an operator assigns the three reviewers (account ids); an assigned reviewer
scores (0–100 with a comment); the passed cases are published to anyone.

Independence is the API's: until a round is decided it shows a reviewer their own score
only and the university no score; these pages show the reviews exactly as answered and
never ask for more.
"""
from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from web.auth import person, requires
from web.errors import wants_json
from web.messages import field_errors, problem_text
from web.pages.calls import as_anyone, as_person, found

bp = Blueprint("materials", __name__)
KINDS = {"digital_material": _l("Digital teaching material"),
         "distance": _l("Distance course")}
CASE_STATES = {"submitted": _l("Waiting for its reviewers"), "in_review": _l("Under review"),
               "passed": _l("Passed"), "revise": _l("Sent back for revision"),
               "failed": _l("Not passed")}
RESULTS = {"pass": _l("Passed"), "revise": _l("Revise and resubmit"), "fail": _l("Not passed")}
ROLES = {"subject": _l("Subject expert"), "digital_learning": _l("Digital-learning expert"),
         "serving_teacher": _l("Serving teacher")}
FIELDS = ("title", "kind", "description", "hours", "subject_area", "links")
STAFF = ("operator", "admin")
# The page each role reads a case on, and lists its cases on.
BASES = {"organiser": "/organiser/materials", "operator": "/operator/materials",
         "reviewer": "/reviewer/materials"}


def case_id_of(value: str) -> str:
    """Case ids are UUIDs: anything else is no case, and never reaches another API path."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        abort(404)


def _shared() -> dict[str, Any]:
    return {"kinds": KINDS, "case_states": CASE_STATES, "results": RESULTS, "roles": ROLES}


# -- the public list ----------------------------------------------------------------------

@bp.get("/courses/materials")
def passed() -> ResponseReturnValue:
    params = {name: request.args[name] for name in ("kind", "page")
              if request.args.get(name)}
    if params.get("kind") not in (None, *KINDS):
        params.pop("kind")
    answer = as_anyone("GET", "/api/courses/materials/passed", params=params)
    listed = found(answer) if answer.status != 422 else {"items": [], "total": 0}
    return render_template("materials/passed.html", listed=listed,
                           kind=params.get("kind", ""), **_shared())


@bp.get("/courses/materials/<case_id>/files/<file_id>")
@requires("business", "reviewer", *STAFF)
def download(case_id: str, file_id: str) -> ResponseReturnValue:
    """A case's file as the API gives it to this person: always a download."""
    answer = as_person("GET", f"/api/courses/materials/{case_id_of(case_id)}/attachments/"
                              f"{case_id_of(file_id)}")
    found(answer)
    disposition = answer.headers.get("Content-Disposition") or "attachment"
    if not disposition.startswith("attachment"):
        disposition = "attachment"
    return Response(answer.content, mimetype="application/octet-stream", headers={
        "Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"})


# -- lists of cases -----------------------------------------------------------------------

def _case_list(role: str) -> ResponseReturnValue:
    params = {name: request.args[name] for name in ("status", "page") if request.args.get(name)}
    if params.get("status") not in (None, *CASE_STATES):
        params.pop("status")
    answer = as_person("GET", "/api/courses/materials", params=params)
    listed = found(answer) if answer.status != 422 else {"items": [], "total": 0}
    return render_template("materials/cases.html", listed=listed, role=role,
                           base=BASES[role], status=params.get("status", ""), **_shared())


@bp.get("/organiser/materials")
@requires("business")
def university_cases() -> ResponseReturnValue:
    return _case_list("organiser")


@bp.get("/operator/materials")
@requires(*STAFF)
def operator_cases() -> ResponseReturnValue:
    return _case_list("operator")


@bp.get("/reviewer/materials")
@requires("reviewer")
def reviewer_cases() -> ResponseReturnValue:
    return _case_list("reviewer")


# -- a case -------------------------------------------------------------------------------

def _case_page(role: str, case_id: str, errors: dict[str, str] | None = None,
               typed: Any = None, status: int = 200) -> ResponseReturnValue:
    case = found(as_person("GET", f"/api/courses/materials/{case_id_of(case_id)}"))
    for part in case.get("rounds") or []:
        part["scored_labels"] = [str(ROLES.get(role, role)) for role in part.get("scored") or []]
    someone = person() or {}
    current = next((part for part in case.get("rounds") or []
                    if part.get("round") == case.get("round")), None)
    mine = None
    if role == "reviewer" and current:
        mine = next((review for review in current.get("reviews") or []
                     if review.get("reviewer_id") == someone.get("account_id")), None)
    values = typed if typed is not None else (
        _values_of(case) if role == "organiser" else
        {"score": "" if not mine or mine.get("score") is None else str(mine["score"]),
         "comment": (mine or {}).get("comment") or ""} if role == "reviewer" else
        {name: (review.get("reviewer_id") or "")
         for review in (current or {}).get("reviews") or [] for name in [review["role"]]})
    return render_template("materials/case.html", case=case, role=role, base=BASES[role],
                           current=current, mine=mine, values=values, errors=errors or {},
                           **_shared()), status


@bp.get("/organiser/materials/<case_id>")
@requires("business")
def university_case(case_id: str) -> ResponseReturnValue:
    return _case_page("organiser", case_id)


@bp.get("/operator/materials/<case_id>")
@requires(*STAFF)
def operator_case(case_id: str) -> ResponseReturnValue:
    return _case_page("operator", case_id)


@bp.get("/reviewer/materials/<case_id>")
@requires("reviewer")
def reviewer_case(case_id: str) -> ResponseReturnValue:
    return _case_page("reviewer", case_id)


# -- the university: submit, attach, resubmit ---------------------------------------------

def _typed(form: MultiDict[str, str]) -> dict[str, str]:
    return {name: form.get(name, "").strip() for name in FIELDS}


def _values_of(case: dict[str, Any]) -> dict[str, str]:
    hours = case.get("hours")
    return {"title": case.get("title") or "", "kind": case.get("kind") or "",
            "description": case.get("description") or "",
            "hours": "" if hours is None else f"{hours:g}",
            "subject_area": case.get("subject_area") or "",
            "links": "\n".join(case.get("links") or [])}


def _body(values: dict[str, str]) -> dict[str, Any]:
    return {"title": values["title"], "kind": values["kind"],
            "description": values["description"], "hours": values["hours"],
            "subject_area": values["subject_area"],
            "links": [line.strip() for line in values["links"].splitlines() if line.strip()]}


def _link_errors(errors: dict[str, str]) -> dict[str, str]:
    """A link's error (``links.1``) is said beside the one links field."""
    links = [text for name, text in errors.items() if name.startswith("links")]
    kept = {name: text for name, text in errors.items() if not name.startswith("links")}
    if links:
        kept["links"] = "; ".join(links)
    return kept


@bp.get("/organiser/materials/new")
@requires("business")
def new_case() -> ResponseReturnValue:
    return render_template("materials/form.html", values=_typed(MultiDict()), errors={},
                           case=None, **_shared())


@bp.post("/organiser/materials/new")
@requires("business")
def submit_case() -> ResponseReturnValue:
    values = _typed(request.form)
    answer = as_person("POST", "/api/courses/materials", json=_body(values))
    if answer.ok:
        flash(_("The case is submitted for review."), "success")
        return redirect(f"/organiser/materials/{answer.body['id']}")
    flash(problem_text(answer), "problem")
    return render_template("materials/form.html", values=values, case=None,
                           errors=_link_errors(field_errors(answer)), **_shared()), \
        403 if answer.status == 403 else 422


@bp.post("/organiser/materials/<case_id>/files")
@requires("business")
def attach(case_id: str) -> ResponseReturnValue:
    case_id = case_id_of(case_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a file to attach."), "problem")
        return redirect(f"/organiser/materials/{case_id}")
    answer = as_person("POST", f"/api/courses/materials/{case_id}/attachments",
                       files={"file": (upload.filename, upload.stream, upload.mimetype)})
    if answer.status == 404:
        abort(404)
    flash(_("The file is attached.") if answer.ok else problem_text(answer),
          "success" if answer.ok else "problem")
    if wants_json():  # upload.js showed the progress; it opens the case page itself
        return jsonify(ok=answer.ok)
    return redirect(f"/organiser/materials/{case_id}")


@bp.post("/organiser/materials/<case_id>/resubmission")
@requires("business")
def resubmit(case_id: str) -> ResponseReturnValue:
    case_id = case_id_of(case_id)
    values = _typed(request.form)
    answer = as_person("POST", f"/api/courses/materials/{case_id}/resubmission",
                       json=_body(values))
    if answer.ok:
        flash(_("The case is resubmitted: a new round of review begins."), "success")
        return redirect(f"/organiser/materials/{case_id}")
    if answer.status in (403, 404):
        abort(404)
    flash(problem_text(answer), "problem")
    return _case_page("organiser", case_id, _link_errors(field_errors(answer)), values,
                      409 if answer.status == 409 else 422)


# -- the operator assigns, the reviewer scores --------------------------------------------

@bp.post("/operator/materials/<case_id>/reviewers")
@requires(*STAFF)
def assign(case_id: str) -> ResponseReturnValue:
    case_id = case_id_of(case_id)
    chosen = {role: request.form.get(role, "").strip() for role in ROLES}
    answer = as_person("PUT", f"/api/courses/materials/{case_id}/reviewers", json=chosen)
    if answer.ok:
        flash(_("The reviewers are assigned."), "success")
        return redirect(f"/operator/materials/{case_id}")
    if answer.status == 404:
        abort(404)
    flash(problem_text(answer), "problem")
    return _case_page("operator", case_id, field_errors(answer), chosen,
                      409 if answer.status == 409 else 422)


@bp.post("/reviewer/materials/<case_id>/score")
@requires("reviewer")
def score(case_id: str) -> ResponseReturnValue:
    case_id = case_id_of(case_id)
    typed = {"score": request.form.get("score", "").strip(),
             "comment": request.form.get("comment", "").strip()}
    given: Any = int(typed["score"]) if typed["score"].lstrip("-").isdigit() else typed["score"]
    answer = as_person("PUT", f"/api/courses/materials/{case_id}/score",
                       json={"score": given, "comment": typed["comment"]})
    if answer.ok:
        flash(_("Your score is saved."), "success")
        return redirect(f"/reviewer/materials/{case_id}")
    if answer.status == 404:
        abort(404)
    flash(problem_text(answer), "problem")
    return _case_page("reviewer", case_id, field_errors(answer), typed,
                      403 if answer.status == 403 else 409 if answer.status == 409 else 422)
