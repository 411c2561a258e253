"""Reports as files (R-STA-7): CSV in UTF-8 with a BOM (Excel in Taiwan opens it as
UTF-8 only with one) and .xlsx with typed cells. Both carry the title, period and scope
above the table, so a sheet read alone says what it counts."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

from services.stats.handlers.reports import ReportAnswer, number

_META = {"zh-TW": ("報表", "期間", "範圍"), "en": ("Report", "Period", "Scope")}


def _preamble(answer: ReportAnswer) -> list[list[str]]:
    report, period, scope = _META[answer.lang]
    return [[report, answer.title], [period, answer.period_text()],
            [scope, answer.scope_text()], []]


def as_csv(answer: ReportAnswer) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(_preamble(answer))
    writer.writerow(answer.headers())
    for row in answer.rows:
        writer.writerow([row.label, *(_plain(value) for value in row.values)])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def _plain(value: Decimal) -> str:
    return str(number(value))


def as_xlsx(answer: ReportAnswer) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = answer.report.name[:31]
    for line in _preamble(answer):
        sheet.append(line)
    sheet.append(answer.headers())
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    hours = [column.measure.endswith("hours") for column in answer.report.columns]
    for row in answer.rows:
        sheet.append([row.label, *(float(value) if is_hours else int(value)
                                   for value, is_hours in zip(row.values, hours, strict=True))])
        for cell, is_hours in zip(sheet[sheet.max_row][1:], hours, strict=True):
            cell.number_format = "0.0" if is_hours else "0"
    sheet.column_dimensions["A"].width = 28
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
