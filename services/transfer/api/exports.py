"""The county export (R-TRF-9): ``GET /counties/<county>/records.csv`` and
``…/records.xlsx``, streamed; ``from``/``to`` (the course's start, inclusive) and
``source`` filter."""
from __future__ import annotations

from typing import Any

from flask import Response
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from servicekit.api import roles
from services.transfer.api.base import api, components, runtime
from services.transfer.handlers.exports import ExportFilters, county_export

EXPORTERS = roles("reviewer", "operator", "admin")
MEDIA = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


class ExportQuery(Schema):
    starts_from = fields.Date(data_key="from", load_default=None)
    starts_to = fields.Date(data_key="to", load_default=None)
    source = fields.String(load_default=None, validate=validate.Length(min=1, max=32))

    @validates_schema
    def _period(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data["starts_from"] and data["starts_to"] and data["starts_from"] > data["starts_to"]:
            raise ValidationError("from is after to", "from")


def _export(principal: Any, county: str, query: dict[str, Any], form: str) -> Response:
    chunks = county_export(components().unit_of_work, runtime().clock, principal, county,
                           form, ExportFilters(**query))
    name = f"transfer-{county}.{form}"
    return Response(chunks, headers={
        "Content-Type": MEDIA[form], "Cache-Control": "no-store",
        "Content-Disposition": f'attachment; filename="{name}"'})


@api.route("/counties/<county>/records.csv", "GET", allow=EXPORTERS, query=ExportQuery,
           summary="A county's teachers' records from every source as CSV (UTF-8 with BOM), "
                   "streamed and audited; another county's: 404")
def county_records_csv(principal, county, query):
    return _export(principal, county, query, "csv")


@api.route("/counties/<county>/records.xlsx", "GET", allow=EXPORTERS, query=ExportQuery,
           summary="A county's teachers' records from every source as .xlsx (typed cells), "
                   "streamed and audited; another county's: 404")
def county_records_xlsx(principal, county, query):
    return _export(principal, county, query, "xlsx")
