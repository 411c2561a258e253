"""Planning pages (R-CRS-13, issue 14 point 3): a teacher's own plan beside their school's
submitted plan, a school's school-based plan and its teachers' plans summarised, and the
submitted plans of an authority for its reviewers and the network's operators.

School years are Taiwan's 學年度, numbered in ROC years (115 = 2026-08-01 … 2027-07-31);
a page shows the current one unless ``?year=`` names another. The windows are the API's:
outside them the API answers ``editable: false`` (and 409 ``plan-window-closed`` to a
write), and the page shows the window's days with the plan read-only.

The forms work without script: each list (themes, goals, planned courses, budget lines)
shows its rows and a few blank ones, and an "add more rows" button sends the form back
with more blank rows, keeping what was typed. Blank rows are left out of what is sent.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from web import dates, i18n
from web.api import Answer
from web.auth import person, requires
from web.messages import nested_field_errors, problem_text
from web.pages.calls import as_person, found
from web.pages.vocabulary import terms

bp = Blueprint("plans", __name__)
BLANK_ROWS = 3  # blank rows shown under what is there
MORE_ROWS = 5  # added by "add more rows"
MOST_ROWS = {"themes": 20, "goals": 10, "courses": 200, "budget": 100}
COURSE_FIELDS = ("title", "hours", "month", "theme")
BUDGET_FIELDS = ("item", "amount", "source")
UNIT = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
STAFF = ("operator", "admin")


# -- the school year ----------------------------------------------------------------------

def current_school_year(today: date | None = None) -> int:
    """The ROC school year of a Taipei day: August on is the year's first calendar year."""
    day = today or datetime.now(dates.TAIPEI).date()
    return dates.roc_year(day.year) if day.month >= 8 else dates.roc_year(day.year) - 1


def _year() -> int:
    asked = (request.values.get("year") or "").strip()
    if not asked:
        return current_school_year()
    if not asked.isdigit() or not 1 <= int(asked) <= 999:
        abort(404)
    return int(asked)


def months_of(school_year: int) -> list[tuple[str, str]]:
    """The school year's twelve months (``YYYY-MM``), each as the person reads it."""
    first = school_year + dates.ROC_OFFSET
    chinese = i18n.current_language() == "zh_TW"
    shown = []
    for n in range(12):
        year, month = (first, 8 + n) if n < 5 else (first + 1, n - 4)
        value = f"{year}-{month:02d}"
        shown.append((value, f"民國 {dates.roc_year(year)} 年 {month} 月" if chinese else value))
    return shown


def _year_links(year: int) -> dict[str, Any]:
    return {"year": year, "previous": year - 1 if year > 1 else None,
            "next": year + 1 if year < 999 else None, "current": current_school_year()}


def _unit() -> str:
    someone = person()
    unit = someone.get("unit") if someone else None
    if not unit or not UNIT.match(str(unit)):
        abort(404)
    return str(unit)


def _school_unit(unit: str) -> str:
    if not UNIT.match(unit):
        abort(404)
    return unit


# -- the forms' rows ----------------------------------------------------------------------

def _rows(form: MultiDict[str, str], name: str) -> int:
    declared = form.get(f"{name}_rows", "")
    count = int(declared) if declared.isdigit() else 0
    return min(count, MOST_ROWS[name] + MORE_ROWS)


def _typed_courses(form: MultiDict[str, str]) -> list[dict[str, Any]]:
    courses = []
    for n in range(_rows(form, "courses")):
        row: dict[str, Any] = {field: form.get(f"courses-{n}-{field}", "").strip()
                               for field in (*COURSE_FIELDS, "target")}
        row["tags"] = [tag for tag in form.getlist(f"courses-{n}-tags") if tag]
        courses.append(row)
    return courses


def _typed_list(form: MultiDict[str, str], name: str) -> list[str]:
    return [form.get(f"{name}-{n}", "").strip() for n in range(_rows(form, name))]


def _typed_budget(form: MultiDict[str, str]) -> list[dict[str, str]]:
    return [{field: form.get(f"budget-{n}-{field}", "").strip() for field in BUDGET_FIELDS}
            for n in range(_rows(form, "budget"))]


def _filled(row: Any) -> bool:
    if isinstance(row, dict):
        return any(value for value in row.values())
    return bool(row)


def _compact(rows: list[Any]) -> list[Any]:
    """The rows with something typed, in their order: what is sent, so that the API's
    ``courses.2.hours`` is the third row shown when the page comes back."""
    return [row for row in rows if _filled(row)]


def _number(text: str) -> Any:
    """A whole number as a number; anything else as typed, for the API to refuse beside
    its field."""
    return int(text) if text.isdigit() else text


def _course_body(row: dict[str, Any], school: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"title": row["title"], "hours": row["hours"], "month": row["month"],
                            "tags": row["tags"], "theme": row["theme"] or None}
    if school:
        body["target"] = row.get("target") or None
    return body


def _version(form: MultiDict[str, str]) -> int | None:
    text = form.get("version", "")
    return int(text) if text.isdigit() else None


def _course_values(course: dict[str, Any]) -> dict[str, Any]:
    hours = course.get("hours")
    return {"title": course.get("title") or "", "month": course.get("month") or "",
            "hours": "" if hours is None else f"{hours:g}" if isinstance(hours, float)
            else str(hours), "tags": list(course.get("tags") or []),
            "theme": course.get("theme") or "", "target": course.get("target") or ""}


def _with_blanks(rows: list[Any], blank: Any, extra: int = BLANK_ROWS) -> list[Any]:
    return rows + [blank() for _n in range(extra)]


def _blank_course() -> dict[str, Any]:
    return {"title": "", "hours": "", "month": "", "tags": [], "theme": "", "target": ""}


def _blank_budget() -> dict[str, str]:
    return {"item": "", "amount": "", "source": ""}


def _more(form: MultiDict[str, str], name: str) -> int:
    return MORE_ROWS if form.get("action") == f"more_{name}" else 0


def _window_closed(answer: Answer) -> dict[str, Any] | None:
    if answer.status == 409 and answer.problem_type == "plan-window-closed":
        window = answer.body.get("window") if isinstance(answer.body, dict) else None
        return window if isinstance(window, dict) else {}
    return None


# -- a teacher's own plan -----------------------------------------------------------------

@bp.get("/my/plan")
@requires("teacher")
def my_plan() -> ResponseReturnValue:
    year = _year()
    mine = found(as_person("GET", f"/api/courses/plans/{year}/me"))
    plan = mine.get("plan") or {}
    values = {"goals": _with_blanks(list(plan.get("goals") or []), str, 2),
              "courses": _with_blanks([_course_values(c) for c in plan.get("courses") or []],
                                      _blank_course),
              "version": plan.get("version", 0)}
    return _my_plan_page(year, mine, values, {})


@bp.post("/my/plan")
@requires("teacher")
def save_my_plan() -> ResponseReturnValue:
    year = _year()
    form = request.form
    goals, courses = _compact(_typed_list(form, "goals")), _compact(_typed_courses(form))
    if form.get("action", "save") != "save":  # more rows: nothing is sent
        mine = found(as_person("GET", f"/api/courses/plans/{year}/me"))
        values = {"goals": _with_blanks(goals, str, 2 + _more(form, "goals")),
                  "courses": _with_blanks(courses, _blank_course, BLANK_ROWS
                                          + _more(form, "courses")),
                  "version": form.get("version", "")}
        return _my_plan_page(year, mine, values, {})
    answer = as_person("PUT", f"/api/courses/plans/{year}/me", json={
        "goals": goals, "courses": [_course_body(row, False) for row in courses],
        "version": _version(form)})
    if answer.ok:
        flash(_("Your plan is saved."), "success")
        return redirect(f"/my/plan?year={year}")
    if answer.status in (403, 404):
        abort(404)
    flash(problem_text(answer), "problem")
    mine = found(as_person("GET", f"/api/courses/plans/{year}/me"))
    closed = _window_closed(answer)
    if closed is not None:
        mine = {**mine, "editable": False, "window": {**(mine.get("window") or {}), **closed}}
    values = {"goals": _with_blanks(goals, str, 2),
              "courses": _with_blanks(courses, _blank_course), "version": form.get("version", "")}
    return _my_plan_page(year, mine, values, nested_field_errors(answer), 409
                         if answer.status == 409 else 422)


def _read_only(values: dict[str, Any], editable: bool) -> dict[str, Any]:
    """A plan that cannot be changed now shows what it holds, without blank rows; one that
    can shows blank rows up to what the API takes (filled rows first, never cut)."""
    if not editable:
        return {name: _compact(value) if isinstance(value, list) else value
                for name, value in values.items()}
    return {name: value[:max(MOST_ROWS[name], len(_compact(value)))]
            if isinstance(value, list) and name in MOST_ROWS else value
            for name, value in values.items()}


def _my_plan_page(year: int, mine: dict[str, Any], values: dict[str, Any],
                  errors: dict[str, str], status: int = 200) -> ResponseReturnValue:
    values = _read_only(values, bool(mine.get("editable")))
    school_plan = mine.get("school_plan") or None
    if school_plan and school_plan.get("status") != "submitted":
        school_plan = None
    return render_template("plans/my_plan.html", years=_year_links(year), mine=mine,
                           school_plan=school_plan, values=values, errors=errors,
                           months=months_of(year), month_names=dict(months_of(year)),
                           tags=terms("tag"),
                           themes=(school_plan or {}).get("themes") or []), status


# -- the school-based plan ----------------------------------------------------------------

def _school_path(year: int, unit: str) -> str:
    return f"/api/courses/plans/{year}/schools/{unit}"


@bp.get("/organiser/plan")
@requires("business")
def school_plan() -> ResponseReturnValue:
    year, unit = _year(), _unit()
    answer = as_person("GET", _school_path(year, unit))
    if answer.status in (403, 409) and answer.problem_type in ("not-a-school", "unit-unknown"):
        return render_template("plans/not_a_school.html", years=_year_links(year),
                               problem=problem_text(answer))
    plan = found(answer)
    return _school_page(year, plan, _school_values(plan), {})


def _school_values(plan: dict[str, Any]) -> dict[str, Any]:
    hours = plan.get("hours_per_teacher")
    return {"themes": _with_blanks(list(plan.get("themes") or []), str),
            "courses": _with_blanks([_course_values(c) for c in plan.get("courses") or []],
                                    _blank_course),
            "budget": _with_blanks([{"item": b.get("item") or "", "source": b.get("source") or "",
                                     "amount": str(b.get("amount", ""))}
                                    for b in plan.get("budget") or []], _blank_budget),
            "hours_per_teacher": "" if hours is None else f"{hours:g}",
            "version": plan.get("version", 0)}


@bp.post("/organiser/plan")
@requires("business")
def save_school_plan() -> ResponseReturnValue:
    year, unit = _year(), _unit()
    form = request.form
    action = form.get("action", "save")
    themes, courses = _compact(_typed_list(form, "themes")), _compact(_typed_courses(form))
    budget = _compact(_typed_budget(form))

    def typed(version: Any = None) -> dict[str, Any]:
        return {"themes": _with_blanks(themes, str, BLANK_ROWS + _more(form, "themes")),
                "courses": _with_blanks(courses, _blank_course,
                                        BLANK_ROWS + _more(form, "courses")),
                "budget": _with_blanks(budget, _blank_budget,
                                       BLANK_ROWS + _more(form, "budget")),
                "hours_per_teacher": form.get("hours_per_teacher", "").strip(),
                "version": form.get("version", "") if version is None else version}

    if action not in ("save", "submit"):  # more rows: nothing is sent
        return _school_page(year, found(as_person("GET", _school_path(year, unit))), typed(), {})
    hours = form.get("hours_per_teacher", "").strip()
    answer = as_person("PUT", _school_path(year, unit), json={
        "themes": themes, "courses": [_course_body(row, True) for row in courses],
        "hours_per_teacher": hours or None,
        "budget": [{"item": b["item"], "amount": _number(b["amount"]), "source": b["source"]}
                   for b in budget],
        "version": _version(form)})
    if answer.ok and action == "submit":
        saved = answer
        answer = as_person("POST", _school_path(year, unit) + "/submission")
        if answer.ok:
            flash(_("The school's plan is submitted."), "success")
            return redirect(f"/organiser/plan?year={year}")
        flash(_("The plan is saved as a draft, but not submitted."), "success")
        version = saved.body.get("version") if isinstance(saved.body, dict) else None
    elif answer.ok:
        flash(_("The plan is saved as a draft."), "success")
        return redirect(f"/organiser/plan?year={year}")
    else:
        version = None
    if answer.status in (403, 404):
        abort(404)
    flash(problem_text(answer), "problem")
    plan = found(as_person("GET", _school_path(year, unit)))
    closed = _window_closed(answer)
    if closed is not None:
        plan = {**plan, "editable": False, "window": {**(plan.get("window") or {}), **closed}}
    return _school_page(year, plan, typed(version), nested_field_errors(answer),
                        409 if answer.status == 409 else 422)


def _school_page(year: int, plan: dict[str, Any], values: dict[str, Any],
                 errors: dict[str, str], status: int = 200) -> ResponseReturnValue:
    values = _read_only(values, bool(plan.get("editable")))
    return render_template("plans/school_plan_form.html", years=_year_links(year), plan=plan,
                           values=values, errors=errors, months=months_of(year),
                           tags=terms("tag"), audiences=terms("audience")), status


@bp.get("/organiser/plan/teachers")
@requires("business")
def teachers_summary() -> ResponseReturnValue:
    year, unit = _year(), _unit()
    answer = as_person("GET", _school_path(year, unit) + "/teachers")
    if answer.status in (403, 409) and answer.problem_type in ("not-a-school", "unit-unknown"):
        return render_template("plans/not_a_school.html", years=_year_links(year),
                               problem=problem_text(answer))
    return render_template("plans/teachers_summary.html", years=_year_links(year),
                           summary=found(answer))


# -- the submitted plans, for reviewers and operators ---------------------------------------

@bp.get("/reviewer/plans")
@requires("reviewer")
def reviewer_plans() -> ResponseReturnValue:
    return _plan_list("/reviewer/plans", None)


@bp.get("/operator/plans")
@requires(*STAFF)
def operator_plans() -> ResponseReturnValue:
    authority = (request.args.get("authority") or "").strip()
    if authority and not UNIT.match(authority):
        abort(404)
    return _plan_list("/operator/plans", authority or None)


def _plan_list(base: str, authority: str | None) -> ResponseReturnValue:
    year = _year()
    answer = as_person("GET", f"/api/courses/plans/{year}/schools",
                       params={"authority": authority} if authority else None)
    problem = None
    if answer.status == 403:  # no authority on the token, or another authority's
        problem = problem_text(answer)
    elif answer.status == 422:
        problem = problem_text(answer)
    listed = answer.body if answer.ok else {"plans": [], "total": 0}
    return render_template("plans/plan_list.html", years=_year_links(year), listed=listed,
                           base=base, authority=authority or "", problem=problem,
                           staff=base.startswith("/operator"))


@bp.get("/reviewer/plans/<unit>")
@requires("reviewer")
def reviewer_plan(unit: str) -> ResponseReturnValue:
    return _read_plan("/reviewer/plans", unit)


@bp.get("/operator/plans/<unit>")
@requires(*STAFF)
def operator_plan(unit: str) -> ResponseReturnValue:
    return _read_plan("/operator/plans", unit)


def _read_plan(base: str, unit: str) -> ResponseReturnValue:
    year = _year()
    plan = found(as_person("GET", _school_path(year, _school_unit(unit))))
    return render_template("plans/school_plan.html", years=_year_links(year), plan=plan,
                           base=base, months=dict(months_of(year)))
