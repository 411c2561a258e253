"""The statistics pages (R-STA-1…8, issue 14 points 4–6): the reports a person may read,
each as a chart (the stats service's SVG, drawn there), the figures behind it as a table
(the chart's text alternative) and the downloads (CSV, Excel). The stats service decides
the scope: a reviewer reads their authority, a business account its unit, the ministry
and operators every scope; what it refuses is the 404 page here."""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, flash, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from web.auth import has_role, requires
from web.i18n import current_language
from web.messages import field_errors, problem_text
from web.pages.calls import as_person

bp = Blueprint("statistics", __name__, url_prefix="/stats")
READERS = ("viewer", "operator", "admin", "reviewer", "business")
REPORT_NAME = re.compile(r"^[a-z][a-z-]{0,39}$")
PASSED_ON = ("from", "to", "period", "by", "authority", "unit")
DIMENSIONS = {"county": _l("county"), "unit": _l("unit"), "authority": _l("authority"),
              "unit_type": _l("unit type"), "tag": _l("tag"), "source": _l("source"),
              "keyword": _l("keyword")}
DOWNLOADS = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@bp.get("")
@requires(*READERS)
def index() -> ResponseReturnValue:
    scope = _own_scope()
    reports = [report for report in _catalogue() if scope in report.get("scopes", [])]
    return render_template("statistics/index.html", reports=reports)


@bp.get("/<name>")
@requires(*READERS)
def report(name: str) -> ResponseReturnValue:
    info = _report_info(name)
    query = _query()
    answer = as_person("GET", f"/api/stats/reports/{name}", params=query)
    if answer.status in (403, 404):
        abort(404)
    if answer.status == 422 or answer.status == 400:
        flash(problem_text(answer), "problem")
        return render_template("statistics/report.html", info=info, data=None,
                               errors=field_errors(answer), args=request.args,
                               dimensions=_dimensions(info)), 422
    if not answer.ok:
        abort(500)
    shown = urlencode(_shown(query, answer.body))
    return render_template("statistics/report.html", info=info, data=answer.body, errors={},
                           args=request.args, dimensions=_dimensions(info), chart=f"/stats/{name}/chart.svg?{shown}",
                           downloads={form: f"/stats/{name}/download.{form}?{shown}"
                                      for form in DOWNLOADS})


@bp.get("/<name>/chart.svg")
@requires(*READERS)
def chart(name: str) -> ResponseReturnValue:
    answer = _file(name, "svg")
    return Response(answer.content, mimetype="image/svg+xml",
                    headers={"Cache-Control": "private, max-age=300"})


@bp.get("/<name>/download.<form>")
@requires(*READERS)
def download(name: str, form: str) -> ResponseReturnValue:
    if form not in DOWNLOADS:
        abort(404)
    answer = _file(name, form)
    disposition = answer.headers.get("Content-Disposition") or \
        f'attachment; filename="{name}.{form}"'
    return Response(answer.content, mimetype=DOWNLOADS[form],
                    headers={"Content-Disposition": disposition})


def _file(name: str, form: str) -> Any:
    if not REPORT_NAME.match(name):
        abort(404)
    answer = as_person("GET", f"/api/stats/reports/{name}", params={**_query(), "format": form})
    if not answer.ok:
        abort(404)
    return answer


def _catalogue() -> list[dict[str, Any]]:
    answer = as_person("GET", "/api/stats/reports", params={"lang": _stats_language()})
    if answer.status in (403, 404):
        abort(404)
    if not answer.ok:
        abort(500)
    return list(answer.body)


def _report_info(name: str) -> dict[str, Any]:
    if not REPORT_NAME.match(name):
        abort(404)
    for info in _catalogue():
        if info.get("name") == name:
            return info
    abort(404)


def _query() -> dict[str, str]:
    """What the form asked, passed on as typed (the stats service checks it and names the
    field it refuses), without the empty fields a form sends."""
    asked = {key: request.args[key].strip() for key in PASSED_ON
             if request.args.get(key, "").strip()}
    return {**asked, "lang": _stats_language()}


def _shown(query: dict[str, str], body: dict[str, Any]) -> dict[str, str]:
    """The chart and the downloads show what the table shows, the defaults the stats
    service chose included (the language is the person's at the time they are fetched)."""
    shown = {**query, "from": body.get("from"), "to": body.get("to"),
             "period": body.get("period"), "by": body.get("dimension")}
    return {key: str(shown[key]) for key in PASSED_ON if shown.get(key)}


def _dimensions(info: dict[str, Any]) -> list[tuple[str, str]]:
    return [(name, str(DIMENSIONS.get(name, name))) for name in info.get("dimensions", [])]


def _stats_language() -> str:
    return "en" if current_language() == "en" else "zh-TW"


def _own_scope() -> str:
    if has_role("viewer", "operator", "admin"):
        return "national"
    return "authority" if has_role("reviewer") else "unit"
