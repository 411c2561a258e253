"""Reading a report (R-STA-1, 2, 5, 6, 8): the caller's scope checked, the range bounded,
the figures read (never the facts), the rows labelled in zh-TW or English."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from contracts.vocabulary import COUNTIES
from servicekit.errors import Invalid, NotFound
from servicekit.tokens import Principal
from services.stats.adapters.uow import StatsUnitOfWork
from services.stats.domain import figures as f
from services.stats.domain import periods
from services.stats.domain.access import check_report_scope, out_of_scope, scope_for
from services.stats.domain.reports import (
    AUTHORITY_SCOPE,
    NARROWABLE,
    REPORTS,
    SERIES,
    UNIT_SCOPE,
    Report,
    Scope,
)

LANGUAGES = ("zh-TW", "en")


@dataclass(frozen=True)
class Row:
    key: str  # a period (2017-04) or a member's code
    label: str
    values: tuple[Decimal, ...]


@dataclass(frozen=True)
class ReportAnswer:
    report: Report
    lang: str
    scope: Scope
    range: periods.Range
    dimension: str | None
    rows: tuple[Row, ...]

    @property
    def title(self) -> str:
        return self.report.zh if self.lang == "zh-TW" else self.report.en

    def headers(self) -> list[str]:
        first = {("zh-TW", SERIES): "期間", ("en", SERIES): "Period"}.get(
            (self.lang, self.report.shape), _DIMENSION_LABELS[self.dimension or ""][self.lang])
        return [first] + [column.zh if self.lang == "zh-TW" else column.en
                          for column in self.report.columns]

    def period_text(self) -> str:
        return f"{self.range.label(self.range.first)} – {self.range.label(self.range.last)}"

    def scope_text(self) -> str:
        return self.scope.label(self.lang)


_DIMENSION_LABELS = {
    f.COUNTY: {"zh-TW": "縣市", "en": "County"}, f.UNIT: {"zh-TW": "單位", "en": "Unit"},
    f.AUTHORITY: {"zh-TW": "主管機關", "en": "Authority"},
    f.UNIT_TYPE: {"zh-TW": "單位類型", "en": "Unit type"}, f.TAG: {"zh-TW": "標籤", "en": "Tag"},
    f.SOURCE: {"zh-TW": "傳報來源", "en": "Source"},
    f.KEYWORD: {"zh-TW": "會議名稱", "en": "Meeting keyword"}, "": {"zh-TW": "", "en": ""},
}


def find_report(name: str) -> Report:
    try:
        return REPORTS[name]
    except KeyError:
        raise NotFound(f"no report {name}; see GET /reports", slug="unknown-report",
                       title="No such report") from None


def read_report(uow: Callable[[], StatsUnitOfWork], principal: Principal, name: str,
                query: dict[str, Any], today: date) -> ReportAnswer:
    report = find_report(name)
    scope = scope_for(principal.roles, principal.unit, principal.authority,
                      query.get("authority"), query.get("unit"))
    check_report_scope(report, scope)
    lang = query.get("lang") or "zh-TW"
    if report.shape == SERIES:
        span = periods.resolve(query.get("period") or report.period, query.get("from"),
                               query.get("to"), today)
        with uow() as work:
            return _series(work, report, lang, scope, span)
    dimension = query.get("by") or report.dimensions[0]
    if dimension not in report.dimensions:
        raise Invalid("unknown-dimension", "No such dimension",
                      f"by: the report {report.name} is grouped by one of "
                      f"{', '.join(report.dimensions)}", field="by")
    if scope.kind != "national" and dimension not in NARROWABLE:
        raise out_of_scope(f"grouped by {dimension}, the figures cross authorities: read in "
                           "the national scope only")
    span = periods.resolve(f.MONTH, query.get("from"), query.get("to"), today)
    with uow() as work:
        if report.overdue_lists:
            return _overdue(work, report, lang, scope, span)
        return _table(work, report, lang, scope, span, dimension)


def _overdue(work: StatsUnitOfWork, report: Report, lang: str, scope: Scope,
             span: periods.Range) -> ReportAnswer:
    """Scoped by the authority holding each unit now: the count is the unit's now."""
    rows = work.figures.overdue_units(span.last.year, scope.authority, scope.unit)
    return ReportAnswer(report, lang, scope, span, f.UNIT, tuple(
        Row(code, name, (Decimal(overdue),)) for code, name, overdue in rows))


def _series(work: StatsUnitOfWork, report: Report, lang: str, scope: Scope,
            span: periods.Range) -> ReportAnswer:
    dimension, member = scope.series_member()
    measures = [column.measure for column in report.columns]
    values = work.figures.series(measures, dimension, member, span.period, span.first, span.last)
    rows = tuple(Row(span.label(start), span.label(start), tuple(
        values.get((measure, start), Decimal(0)) for measure in measures))
        for start in span.starts())
    return ReportAnswer(report, lang, scope, span, None, rows)


def _table(work: StatsUnitOfWork, report: Report, lang: str, scope: Scope,
           span: periods.Range, dimension: str) -> ReportAnswer:
    measures = [column.measure for column in report.columns]
    if scope.kind == AUTHORITY_SCOPE:  # grouped by unit: each unit's share under it
        sums = work.figures.shares_table(measures, scope.authority or "", span.first, span.last,
                                         unit=scope.unit)
    else:
        sums = work.figures.table(measures, dimension, span.first, span.last,
                                  member=scope.unit if scope.kind == UNIT_SCOPE else None)
    members = sorted({member for _measure, member in sums})
    if report.idle_of_type:
        counted = {member for (_measure, member), value in sums.items() if value}
        members = [code for code in work.figures.units_of_type(report.idle_of_type)
                   if code not in counted]
    names = _names(work, dimension, members)
    rows = tuple(Row(code, names.get(code, code), tuple(
        sums.get((measure, code), Decimal(0)) for measure in measures)) for code in members)
    return ReportAnswer(report, lang, scope, span, dimension, rows)


def _names(work: StatsUnitOfWork, dimension: str, codes: list[str]) -> dict[str, str]:
    if dimension == f.COUNTY:
        return {code: COUNTIES.get(code, code) for code in codes}
    if dimension == f.UNIT:
        return work.figures.unit_names(codes)
    if dimension == f.AUTHORITY:
        return {**{code: COUNTIES.get(code, code) for code in codes},
                **work.figures.authority_names(codes)}
    return {}


def number(value: Decimal) -> int | float:
    """A count as an integer, hours with their one decimal."""
    return int(value) if value == value.to_integral_value() else float(value)


def as_json(answer: ReportAnswer) -> dict[str, Any]:
    report = answer.report
    return {
        "report": report.name, "title": answer.title, "requirement": report.requirement,
        "shape": report.shape, "period": answer.range.period,
        "from": answer.range.label(answer.range.first), "to": answer.range.label(answer.range.last),
        "scope": {"kind": answer.scope.kind, "authority": answer.scope.authority,
                  "unit": answer.scope.unit, "label": answer.scope_text()},
        "dimension": answer.dimension,
        "columns": [{"key": column.measure, "label": label}
                    for column, label in zip(report.columns, answer.headers()[1:], strict=True)],
        "rows": [{"key": row.key, "label": row.label,
                  "values": {column.measure: number(value)
                             for column, value in zip(report.columns, row.values, strict=True)}}
                 for row in answer.rows],
    }


def catalogue(lang: str) -> list[dict[str, Any]]:
    return [{"name": report.name, "title": report.zh if lang == "zh-TW" else report.en,
             "shape": report.shape, "period": report.period, "scopes": sorted(report.scopes),
             "dimensions": list(report.dimensions), "requirement": report.requirement,
             "measures": [column.measure for column in report.columns]}
            for report in REPORTS.values()]
