"""HTTP edge of the stats service: the reports (R-STA-1…8), as JSON, CSV, Excel and
charts. Every report is read by the roles that read statistics; the scope (national, an
authority, a unit) is checked in the use case against the caller's token."""
from __future__ import annotations

from typing import Any

from flask import Response
from marshmallow import Schema, fields, validate

from contracts.calendar import taipei_date
from servicekit.api import ServiceApi, roles
from servicekit.tokens import Principal
from servicekit.web import current_runtime
from services.stats.handlers import reports
from services.stats.rendering import charts, tables

api = ServiceApi("stats")

READERS = roles("viewer", "operator", "admin", "reviewer", "business")
CODE = validate.Regexp(r"^[A-Za-z0-9_-]{1,32}$")
FORMATS = ("json", "csv", "xlsx", "svg", "png")


class LangSchema(Schema):
    lang = fields.String(load_default="zh-TW", validate=validate.OneOf(reports.LANGUAGES))


class ReportQuerySchema(LangSchema):
    from_ = fields.String(data_key="from", validate=validate.Length(max=10),
                          metadata={"description": "first period: YYYY, YYYY-MM or YYYY-MM-DD"})
    to = fields.String(validate=validate.Length(max=10), metadata={"description": "last period"})
    period = fields.String(validate=validate.Length(max=8),
                           metadata={"description": "a series' period: day, month or year"})
    by = fields.String(validate=validate.Length(max=16),
                       metadata={"description": "a table's dimension (see GET /reports)"})
    authority = fields.String(validate=CODE)
    unit = fields.String(validate=CODE)
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS))


class ReportInfoSchema(Schema):
    name = fields.String()
    title = fields.String()
    shape = fields.String()
    period = fields.String()
    scopes = fields.List(fields.String())
    dimensions = fields.List(fields.String())
    requirement = fields.String()
    measures = fields.List(fields.String())


@api.route("/reports", "GET", allow=READERS, query=LangSchema, response=ReportInfoSchema,
           many=True, summary="The reports, each with the scopes it is read in")
def list_reports(principal, query):
    return reports.catalogue(query["lang"])


@api.route("/reports/<name>", "GET", allow=READERS, query=ReportQuerySchema,
           summary="A report in the caller's scope: JSON (the chart's data), or ?format=csv "
                   "(UTF-8 with BOM), xlsx, svg or png (R-STA-1…8)")
def get_report(principal: Principal, name: str, query: dict[str, Any]) -> Any:
    runtime = current_runtime()
    answer = reports.read_report(runtime.components.uow, principal, name,
                                 {**query, "from": query.pop("from_", None)},
                                 taipei_date(runtime.clock.now()))
    form = query["format"]
    if form == "json":
        return reports.as_json(answer)
    filename = f"{answer.report.name}_{answer.range.label(answer.range.first)}_" \
               f"{answer.range.label(answer.range.last)}.{form}"
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if form == "csv":
        return Response(tables.as_csv(answer), mimetype="text/csv; charset=utf-8",
                        headers=disposition)
    if form == "xlsx":
        return Response(tables.as_xlsx(answer), headers=disposition, mimetype=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    return Response(charts.draw(answer, form), mimetype=charts.MEDIA[form])
