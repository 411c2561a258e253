"""The operators' pages (issue 14 point 6): the courses service's vocabularies — policy
tags with their legal basis (R-CRS-8), return reasons (R-CRS-3), meeting names (R-CRS-10),
categories and the rest (R-CRS-1). A term is never deleted: it is retired, and old courses
keep its code. The API decides who may change a term (operators and admins)."""
from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from web.auth import requires
from web.messages import field_errors, problem_text
from web.pages.calls import as_person, found

bp = Blueprint("operator", __name__, url_prefix="/operator")
OPERATORS = ("operator", "admin")
KINDS = {"tag": _l("Policy tags"), "return_reason": _l("Reasons for returning a course"),
         "roster_return": _l("Reasons for returning an attendee list"),
         "meeting_keyword": _l("Meeting names (flagged at submission)"),
         "category": _l("Categories"), "subcategory": _l("Sub-categories"),
         "subject": _l("Subjects"), "class_type": _l("Class types"), "nature": _l("Natures"),
         "time_slot": _l("Times of day"), "audience": _l("Audiences")}
PARENT = {"subcategory": "category", "subject": "subcategory"}
CODE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
FIELDS = ("label", "parent_code", "position", "short_label", "basis", "added_on")


@bp.get("")
@requires(*OPERATORS)
def home() -> ResponseReturnValue:
    return render_template("operator/home.html", kinds=KINDS)


@bp.get("/vocabularies/<kind>")
@requires(*OPERATORS)
def vocabulary(kind: str) -> ResponseReturnValue:
    return _vocabulary_page(_known(kind), typed={}, errors={})


@bp.post("/vocabularies/<kind>")
@requires(*OPERATORS)
def put_term(kind: str) -> ResponseReturnValue:
    """Adds a term, or changes one (the same form, its code given); retiring and bringing
    back are a change of ``active`` with the term's other fields as they are."""
    kind = _known(kind)
    code = request.form.get("code", "").strip()
    if not CODE.match(code):
        return _vocabulary_page(kind, typed=request.form, errors={
            "code": _("Letters, digits, - and _ only, up to 40.")}, status=422)
    body = _term_body(request.form)
    answer = as_person("PUT", f"/api/courses/vocabularies/{kind}/{code}", json=body)
    if answer.status in (403, 404):
        abort(404)
    if not answer.ok:
        flash(problem_text(answer), "problem")
        return _vocabulary_page(kind, typed=request.form, errors=field_errors(answer),
                                status=422)
    _forget_cached(kind)
    flash(_("“%(label)s” is added.", label=body["label"]) if answer.status == 201 else
          _("“%(label)s” is saved.", label=body["label"]), "success")
    return redirect(f"/operator/vocabularies/{kind}")


def _vocabulary_page(kind: str, typed: Any, errors: dict[str, str],
                     status: int = 200) -> ResponseReturnValue:
    every = found(as_person("GET", f"/api/courses/vocabularies/{kind}"))
    parents = (found(as_person("GET", f"/api/courses/vocabularies/{PARENT[kind]}"))
               if kind in PARENT else [])
    editing = request.args.get("code") if request.method == "GET" else None
    if editing and not typed:
        typed = next((term for term in every if term["code"] == editing), {})
    return render_template("operator/vocabulary.html", kind=kind, title=KINDS[kind],
                           terms=every, parents=parents, typed=typed or {}, errors=errors,
                           is_tag=kind == "tag"), status


def _term_body(form: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"label": form.get("label", "").strip(),
                            "active": form.get("active", "true") == "true"}
    for name in FIELDS[1:]:
        value = form.get(name, "").strip()
        if value:
            body[name] = int(value) if name == "position" and value.isdigit() else value
    return body


def _known(kind: str) -> str:
    if kind not in KINDS:
        abort(404)
    return kind


def _forget_cached(kind: str) -> None:
    """Pages read vocabularies through a five-minute cache; this process's copy goes now."""
    current_app.extensions.get("web.vocabularies", {}).pop(kind, None)
