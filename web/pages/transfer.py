"""The transfer pages (issue 14 point 6; R-TRF-1, 3, 5, 6, 7, 10, 11): the sources that
outside systems report from, their onboarding, mapping and monthly files with the per-row
report, the month's deadlines, the audits and the linked duplicates.

Operators and admins work under ``/operator/transfer/…`` on every source; a unit's
business accounts read their own unit's sources under ``/organiser/transfer/…`` and send
their files there. Scope is the API's: another unit's source is a 404 there, so it is the
404 page here. Only the network's staff get the forms that change a source."""
from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from web.auth import requires
from web.errors import wants_json
from web.messages import PROBLEMS, field_errors, problem_text
from web.pages.calls import as_person, found
from web.pages.transfer_refusals import CAUSES, GENERAL, refusal_notes

bp = Blueprint("transfer", __name__)
STAFF = ("operator", "admin")
STAFF_BASE, UNIT_BASE = "/operator/transfer/sources", "/organiser/transfer"
SOURCE_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,31}$")
MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
# A file may be as large as the transfer service takes (TRANSFER_MAX_UPLOAD_MB, 50 MB).
MAX_FILE_BYTES = 52 * 1024 * 1024
# The service reads and checks a whole file before it answers: longer than a page's wait.
FILE_CALL_SECONDS = 120.0

MODES = {"daily_push": _l("Daily push"), "monthly_file": _l("Monthly file")}
STATES = {"evaluating": _l("Evaluating"), "test": _l("In test"),
          "production": _l("In production"), "archived": _l("Archived")}
# Where a source may go from each state (one way; archived is sealed).
MOVES = {"evaluating": ("test", "archived"), "test": ("production", "archived"),
         "production": ("archived",), "archived": ()}
STEPS = {"format_check_passed": _l("Format check passed"),
         "ministry_approval": _l("Ministry approval"),
         "test_run_succeeded": _l("Test run succeeded"),
         "production_opened": _l("Production opened")}
RECORDED_STEPS = ("format_check_passed", "ministry_approval", "test_run_succeeded")
UPLOAD_STATES = {"queued": _l("Waiting to be processed"), "processing": _l("Being processed"),
                 "done": _l("Processed"), "failed": _l("Failed")}
DEADLINE_STATES = {"on_time": _l("On time"), "late": _l("Late"), "missing": _l("Missing"),
                   "pending": _l("Not due yet")}
AUDIT_KINDS = {"monthly": _l("Monthly"), "quarterly": _l("Quarterly"), "annual": _l("Annual")}
PARTS = {"courses": _l("Courses"), "attendance": _l("Attendance"),
         "withdrawals": _l("Withdrawals")}
RESULTS = {"added": _l("Added"), "changed": _l("Changed"), "unchanged": _l("Unchanged"),
           "withdrawn": _l("Withdrawn")}
MEASURES = {"courses": _l("Courses"), "attendance": _l("Attendance rows"),
            "hours": _l("Hours")}
# Transfer format v1's fields per part, as a source's mapping names them.
FORMAT_FIELDS = {
    "courses": ("source_course_key", "title", "organiser_unit_code", "county_code",
                "start_date", "end_date", "hours", "class_type", "category", "tags",
                "lecturers"),
    "attendance": ("source_course_key", "teacher_id", "teacher_name", "school_code",
                   "hours", "completed_on"),
    "withdrawals": ("source_course_key", "teacher_id", "reason"),
}


def _shared() -> dict[str, Any]:
    return {"modes": MODES, "states": STATES, "steps": STEPS, "upload_states": UPLOAD_STATES,
            "deadline_states": DEADLINE_STATES, "audit_kinds": AUDIT_KINDS, "parts": PARTS,
            "results": RESULTS, "measures": MEASURES, "format_fields": FORMAT_FIELDS}


def both(rule: str, **options: Any) -> Callable[[Callable[..., ResponseReturnValue]],
                                                 Callable[..., ResponseReturnValue]]:
    """A page of a source for the staff (every source) and for a unit's business accounts
    (their unit's; the API answers 404 for another's)."""
    def register(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
        bp.add_url_rule(STAFF_BASE + rule, f"staff_{view.__name__}", requires(*STAFF)(view),
                        **options)
        bp.add_url_rule(UNIT_BASE + rule, f"unit_{view.__name__}", requires("business")(view),
                        **options)
        return view
    return register


def _base() -> str:
    return STAFF_BASE if request.path.startswith(STAFF_BASE) else UNIT_BASE


def _is_staff() -> bool:
    return _base() == STAFF_BASE


def _code(code: str) -> str:
    """A source code, as the transfer service allows them: nothing that reaches another
    API path."""
    if not SOURCE_CODE.match(code):
        abort(404)
    return code


def _uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        abort(404)


# -- sources --------------------------------------------------------------------------------

@bp.get(STAFF_BASE)
@requires(*STAFF)
def staff_sources() -> ResponseReturnValue:
    return _sources_page()


@bp.get(UNIT_BASE)
@requires("business")
def unit_sources() -> ResponseReturnValue:
    return _sources_page()


def _sources_page(errors: dict[str, str] | None = None, typed: Any = None,
                  status: int = 200) -> ResponseReturnValue:
    listing = found(as_person("GET", "/api/transfer/sources"))
    return render_template("transfer/sources.html", sources=listing, base=_base(),
                           staff=_is_staff(), errors=errors or {}, typed=typed or {},
                           mode_choices=list(MODES.items()), **_shared()), status


@bp.post(STAFF_BASE)
@requires(*STAFF)
def register() -> ResponseReturnValue:
    """A new source, evaluating: its code, name, owner unit and mode."""
    body = {name: request.form.get(name, "").strip()
            for name in ("code", "name", "owner_unit", "mode")}
    answer = as_person("POST", "/api/transfer/sources", json=body)
    if answer.status in (403, 404):
        abort(404)
    if not answer.ok:
        flash(problem_text(answer), "problem")
        errors = field_errors(answer)
        if answer.problem_type == "source-exists":
            errors["code"] = str(problem_text(answer))
        return _sources_page(errors=errors, typed=request.form,
                             status=409 if answer.status == 409 else 422)
    flash(_("The source %(name)s is registered; it is being evaluated.", name=body["name"]),
          "success")
    return redirect(f"{STAFF_BASE}/{answer.body['code']}")


@both("/<code>")
def source(code: str) -> ResponseReturnValue:
    return _source_page(_code(code))


def _source_page(code: str, errors: dict[str, str] | None = None, typed: Any = None,
                 form: str = "", tested: dict[str, Any] | None = None,
                 problems: list[str] | None = None, status: int = 200) -> ResponseReturnValue:
    """``form``: which form the errors and typed values belong to (``step``, ``state``,
    ``freeze``, ``mapping-<part>``, ``file``), so that each shows its own."""
    found_source = found(as_person("GET", f"/api/transfer/sources/{code}"))
    counts = found(as_person("GET", f"/api/transfer/sources/{code}/counts"))
    mappings = {m["part"]: m for m in found(as_person(
        "GET", f"/api/transfer/sources/{code}/mappings"))}
    sent = as_person("GET", f"/api/transfer/sources/{code}/files", params={"limit": 12})
    recorded = {step["name"] for step in found_source.get("steps") or []}
    return render_template(
        "transfer/source.html", source=found_source, counts=counts, mappings=mappings,
        uploads=sent.body if sent.ok else [],
        base=_base(), staff=_is_staff(),
        move_choices=[(s, STATES[s]) for s in MOVES.get(found_source.get("state", ""), ())],
        step_choices=[(s, STEPS[s]) for s in RECORDED_STEPS if s not in recorded],
        errors=errors or {}, typed=typed or {}, form=form, tested=tested,
        problems=problems or [], **_shared()), status


def _refused(code: str, answer: Any, form: str,
             explained: dict[str, str] | None = None) -> ResponseReturnValue:
    """The API's refusal on the source page: its text above, each field's note beside the
    field of the form it came from (``explained``: the cause's own text, transfer_refusals),
    what was typed kept."""
    if answer.status in (403, 404):
        abort(404)
    explained = dict(explained or {})
    flash(explained.pop(GENERAL, "") or problem_text(answer), "problem")
    body = answer.body if isinstance(answer.body, dict) else {}
    problems = [str(p) for p in body.get("problems") or []]
    return _source_page(code, errors={**field_errors(answer), **explained},
                        typed=request.form, form=form,
                        problems=problems,
                        status=answer.status if answer.status in (409, 413) else 422)


def _explained(answer: Any) -> dict[str, str] | None:
    """A step's or a move's refusal: the service's cause, beside the field it names."""
    return refusal_notes(answer, STATES, STEPS) if answer.problem_type in CAUSES else None


@bp.post(f"{STAFF_BASE}/<code>/steps")
@requires(*STAFF)
def record_step(code: str) -> ResponseReturnValue:
    code = _code(code)
    step = request.form.get("step", "")
    body = {"step": step, "reference": request.form.get("reference", "").strip() or None}
    answer = as_person("POST", f"/api/transfer/sources/{code}/steps", json=body)
    if not answer.ok:
        return _refused(code, answer, "step", _explained(answer))
    flash(_("The step is recorded: %(step)s.", step=STEPS.get(step, step)), "success")
    return redirect(f"{STAFF_BASE}/{code}")


@bp.post(f"{STAFF_BASE}/<code>/state")
@requires(*STAFF)
def move(code: str) -> ResponseReturnValue:
    code = _code(code)
    state = request.form.get("state", "")
    answer = as_person("POST", f"/api/transfer/sources/{code}/state", json={"state": state})
    if not answer.ok:
        return _refused(code, answer, "state", _explained(answer))
    flash(_("The source is now: %(state)s.", state=STATES.get(state, state)), "success")
    return redirect(f"{STAFF_BASE}/{code}")


@both("/<code>/contact", methods=["POST"])
def set_contact(code: str) -> ResponseReturnValue:
    """Whom the source's findings are mailed to: its maintainer at the owner unit, set by
    the network's staff or the unit's business accounts; blank for none."""
    code = _code(code)
    email = request.form.get("contact_email", "").strip()
    answer = as_person("PUT", f"/api/transfer/sources/{code}/contact",
                       json={"contact_email": email or None})
    if not answer.ok:
        return _refused(code, answer, "contact")
    if email:
        flash(_("Findings of this source are now mailed to %(email)s.",
                email=answer.body.get("contact_email") or email), "success")
    else:
        flash(_("The source has no contact now: its findings wait until one is set."),
              "success")
    return redirect(f"{_base()}/{code}#contact")


@bp.post(f"{STAFF_BASE}/<code>/freeze-exceptions")
@requires(*STAFF)
def freeze_exception(code: str) -> ResponseReturnValue:
    code = _code(code)
    body = {"source_course_key": request.form.get("source_course_key", "").strip(),
            "reference": request.form.get("reference", "").strip()}
    answer = as_person("POST", f"/api/transfer/sources/{code}/freeze-exceptions", json=body)
    if not answer.ok:
        return _refused(code, answer, "freeze")
    flash(_("The course %(key)s may now be sent though it is in the frozen period.",
            key=body["source_course_key"]), "success")
    return redirect(f"{STAFF_BASE}/{code}")


@bp.post(f"{STAFF_BASE}/<code>/mappings/<part>")
@requires(*STAFF)
def put_mapping(code: str, part: str) -> ResponseReturnValue:
    code = _code(code)
    if part not in FORMAT_FIELDS:
        abort(404)
    columns = {name: request.form.get(f"{part}-{name}", "").strip()
               for name in FORMAT_FIELDS[part]}
    body = {"table": request.form.get(f"{part}-table", "").strip(),
            "columns": {name: column for name, column in columns.items() if column}}
    answer = as_person("PUT", f"/api/transfer/sources/{code}/mappings/{part}", json=body)
    if not answer.ok:
        # The API names the mapping's fields ``table`` and ``columns``; the form's are the
        # part's own.
        if answer.status == 422:
            errors = {f"{part}-{name}": text for name, text in field_errors(answer).items()}
            flash(problem_text(answer), "problem")
            return _source_page(code, errors=errors, typed=request.form,
                                form=f"mapping-{part}", status=422)
        return _refused(code, answer, f"mapping-{part}")
    flash(_("The mapping of %(part)s is saved.", part=PARTS[part]), "success")
    return redirect(f"{STAFF_BASE}/{code}#mapping")


# -- files ----------------------------------------------------------------------------------

def _file() -> tuple[str, Any, str] | None:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None
    return upload.filename, upload.stream, upload.mimetype or "application/octet-stream"


def allow_larger_files() -> None:
    """A monthly file may be larger than a course's attachment. Installed on the app before
    CSRF protection, which reads the form first."""
    if request.method == "POST" and request.path.endswith(("/files", "/file-tests")) and \
            request.path.startswith((STAFF_BASE, UNIT_BASE)):
        request.max_content_length = MAX_FILE_BYTES


@both("/<code>/files", methods=["POST"])
def upload(code: str) -> ResponseReturnValue:
    code = _code(code)
    sent = _file()
    if sent is None:
        return _no_file(code)
    try:
        answer = as_person("POST", f"/api/transfer/sources/{code}/files",
                           files={"file": sent}, timeout=FILE_CALL_SECONDS)
    finally:
        sent[1].close()  # a large file is spooled to a temporary file
    if not answer.ok:
        if wants_json():  # upload.js showed the progress; the source page says the rest
            flash(problem_text(answer), "problem")
            return jsonify(ok=False)
        return _refused(code, answer, "file")
    page = f"{_base()}/{code}/files/{answer.body['upload_id']}"
    flash(_("The file is received; it is being processed."), "success")
    if wants_json():
        return jsonify(ok=True, next=page)
    return redirect(page)


@both("/<code>/file-tests", methods=["POST"])
def test_file(code: str) -> ResponseReturnValue:
    code = _code(code)
    sent = _file()
    if sent is None:
        return _no_file(code)
    try:
        answer = as_person("POST", f"/api/transfer/sources/{code}/file-tests",
                           files={"file": sent}, timeout=FILE_CALL_SECONDS)
    finally:
        sent[1].close()
    if not answer.ok:
        return _refused(code, answer, "test")
    return _source_page(code, tested=answer.body)


def _no_file(code: str) -> ResponseReturnValue:
    flash(_("Choose a file."), "problem")
    if wants_json():
        return jsonify(ok=False)
    return _source_page(code, errors={"file": _("Choose a file.")}, form="file", status=422)


@both("/<code>/files/<upload_id>")
def file_page(code: str, upload_id: str) -> ResponseReturnValue:
    code, upload_id = _code(code), _uuid(upload_id)
    sent = found(as_person("GET", f"/api/transfer/sources/{code}/files/{upload_id}"))
    if wants_json():  # static/transfer.js follows the processing without reloading
        return jsonify(status=sent.get("status"), rows_done=sent.get("rows_done"),
                       rows_total=sent.get("rows_total"),
                       said=str(UPLOAD_STATES.get(sent.get("status", ""), "")))
    return render_template("transfer/file.html", upload=sent, code=code, base=_base(),
                           staff=_is_staff(), **_shared())


@both("/<code>/files/<upload_id>/report.xlsx")
def report_xlsx(code: str, upload_id: str) -> ResponseReturnValue:
    return _report(_code(code), _uuid(upload_id), "report.xlsx", {})


@both("/<code>/files/<upload_id>/report.csv")
def report_csv(code: str, upload_id: str) -> ResponseReturnValue:
    table = request.args.get("table", "")
    return _report(_code(code), _uuid(upload_id), "report.csv",
                   {"table": table[:100]} if table else {})


def _report(code: str, upload_id: str, name: str, params: dict[str, str]) -> ResponseReturnValue:
    """The service's own report file, always a download (it holds national IDs: never
    kept here, never cached)."""
    answer = as_person("GET", f"/api/transfer/sources/{code}/files/{upload_id}/{name}",
                       params=params or None)
    found(answer)
    media = "text/csv; charset=utf-8" if name.endswith(".csv") else (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return Response(answer.content, headers={
        "Content-Type": media, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f'attachment; filename="report-{upload_id}.{name[7:]}"'})


# -- deadlines, audits, duplicates -----------------------------------------------------------

@bp.get("/operator/transfer/deadlines")
@requires(*STAFF)
def staff_deadlines() -> ResponseReturnValue:
    return _deadlines_page(STAFF_BASE)


@bp.get(f"{UNIT_BASE}/deadlines")
@requires("business")
def unit_deadlines() -> ResponseReturnValue:
    return _deadlines_page(UNIT_BASE)


def _deadlines_page(base: str) -> ResponseReturnValue:
    month = request.args.get("month", "").strip()
    errors: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    if month and not MONTH.match(month):
        errors["month"] = _("A month is written as YYYY-MM, for example 2026-11.")
    else:
        answer = as_person("GET", "/api/transfer/deadlines",
                           params={"month": month} if month else None)
        if answer.status == 422:
            errors = field_errors(answer) or {"month": problem_text(answer)}
        else:
            rows = found(answer)
    shown = rows[0]["month"] if rows else month
    return render_template("transfer/deadlines.html", rows=rows, month=month, shown=shown,
                           errors=errors, base=base, **_shared()), 422 if errors else 200


@both("/<code>/audits")
def audits(code: str) -> ResponseReturnValue:
    """The source's audits, and the monthly counts it states for them (R-TRF-11): each month
    stated with who and when, and the form to state one (``?month=`` fills it with that
    month's counts, to correct them)."""
    code = _code(code)
    month = request.args.get("month", "").strip()
    return _audits_page(code, typed={"month": month} if MONTH.match(month) else {})


def _audits_page(code: str, errors: dict[str, str] | None = None,
                 typed: Any = None, status: int = 200) -> ResponseReturnValue:
    found_source = found(as_person("GET", f"/api/transfer/sources/{code}"))
    listing = found(as_person("GET", f"/api/transfer/sources/{code}/audits"))
    stated = found(as_person("GET", f"/api/transfer/sources/{code}/reported-counts"))
    typed = dict(typed or {})
    if set(typed) == {"month"}:  # a month chosen to correct: its counts as stated
        typed.update(next(({name: str(row.get(name, "")) for name in MEASURES}
                           for row in stated if row.get("month") == typed["month"]), {}))
    return render_template("transfer/audits.html", source=found_source, audits=listing,
                           stated=stated, errors=errors or {}, typed=typed, base=_base(),
                           **_shared()), status


@both("/<code>/reported-counts", methods=["POST"])
def state_counts(code: str) -> ResponseReturnValue:
    """A month's counts stated for the source by its unit's staff (or the network's): sent
    again, the newer replace the older."""
    code = _code(code)
    typed = {name: request.form.get(name, "").strip() for name in ("month", *MEASURES)}
    if not MONTH.match(typed["month"]):  # it is part of the API's path: checked here first
        return _counts_refused(code, typed, {"month": _(
            "A month is written as YYYY-MM, for example 2026-11.")})
    # Whole numbers go as numbers (the API takes no text for them); anything else goes as
    # typed, for the API to name the field.
    body: dict[str, Any] = {name: int(typed[name]) if typed[name].isdecimal() else typed[name]
                            for name in ("courses", "attendance")}
    body["hours"] = typed["hours"]
    answer = as_person("PUT", f"/api/transfer/sources/{code}/reported-counts/{typed['month']}",
                       json=body)
    if answer.status in (403, 404):
        abort(404)
    if not answer.ok:
        errors = field_errors(answer)
        if answer.problem_type in ("month-not-closed", "invalid-month"):
            errors["month"] = problem_text(answer)
        return _counts_refused(code, typed, errors, answer)
    flash(_("The counts of %(month)s are stated.", month=typed["month"]), "success")
    return redirect(f"{_base()}/{code}/audits#stated")


def _counts_refused(code: str, typed: dict[str, str], errors: dict[str, str],
                    answer: Any = None) -> ResponseReturnValue:
    flash(problem_text(answer) if answer is not None else
          str(PROBLEMS["validation-failed"]), "problem")
    status = answer.status if answer is not None and answer.status == 409 else 422
    return _audits_page(code, errors=errors, typed=typed, status=status)


@both("/<code>/audits/<audit_id>")
def audit(code: str, audit_id: str) -> ResponseReturnValue:
    code, audit_id = _code(code), _uuid(audit_id)
    one = found(as_person("GET", f"/api/transfer/sources/{code}/audits/{audit_id}"))
    return render_template("transfer/audit.html", audit=one, code=code, base=_base(),
                           **_shared())


@bp.get("/operator/transfer/duplicates")
@requires(*STAFF)
def duplicates() -> ResponseReturnValue:
    params = {name: request.args.get(name, "").strip() for name in (
        "source", "after_source", "after_course_key", "after_account_id")}
    params = {name: value for name, value in params.items() if value}
    params["limit"] = "100"
    errors: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    if "source" in params and not SOURCE_CODE.match(params["source"]):
        errors["source"] = _("A source code: lower-case letters, digits and dashes.")
    else:
        answer = as_person("GET", "/api/transfer/duplicates", params=params)
        if answer.status == 422:
            errors = field_errors(answer)
            flash(problem_text(answer), "problem")
        else:
            rows = found(answer)
    last = rows[-1] if len(rows) >= 100 else None
    return render_template("transfer/duplicates.html", rows=rows, source=params.get("source", ""),
                           last=last, errors=errors, **_shared()), 422 if errors else 200
