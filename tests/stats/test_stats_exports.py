"""Every report as CSV and Excel (R-STA-7) and as a chart (R-STA-3): CSV in UTF-8 with a
BOM, .xlsx with typed cells, headers in zh-TW (English on request), the title, period and
scope above the table; SVG whose text is text (Chinese labels included), PNG, and JSON
(the data behind the chart)."""
from __future__ import annotations

import io
import uuid

import pytest
from openpyxl import load_workbook
from stats_support import Stats, unit

from contracts.events.courses import HOURS_ISSUED
from services.stats.domain.reports import REPORTS

TEACHER = str(uuid.UUID(int=100))


def some_hours(stats: Stats) -> None:
    hours = {"course_id": str(uuid.UUID(int=1)), "course_code": "C1", "unit_code": "353301",
             "account_id": TEACHER, "hours": 2.5, "title": "性別平等教育研習",
             "starts_on": "2017-04-10", "ends_on": "2017-04-10", "tags": ["性別平等教育"],
             "version": 3}
    stats.feed(unit("353301", "TPE", "TPE", name="臺北市立建國高級中學"), (HOURS_ISSUED, hours))


def test_csv_has_a_bom_the_period_and_scope_and_zh_tw_headers(stats: Stats) -> None:
    some_hours(stats)
    answer = stats.get("/reports/areas?from=2017-01&to=2017-06&format=csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    body = answer.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[:3] == ["報表,各縣市及單位統計", "期間,2017-01 – 2017-06", "範圍,全國"]
    assert lines[4].startswith("縣市,登錄課程數,")
    assert lines[5] == "臺北市,0,0,0,0,1,2.5,0,0"


def test_csv_in_english_on_request(stats: Stats) -> None:
    lines = stats.get("/reports/enrolments?from=2017-01&to=2017-02&format=csv&lang=en"
                      ).get_data().decode("utf-8-sig").splitlines()
    assert lines[0] == "Report,Enrolments per month"
    assert lines[4:] == ["Period,Enrolments", "2017-01,0", "2017-02,0"]


def test_xlsx_cells_are_typed_numbers(stats: Stats) -> None:
    some_hours(stats)
    answer = stats.get("/reports/areas?by=unit&from=2017-01&to=2017-06&format=xlsx",
                       role="business", unit="353301")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.get_data())).active
    assert [cell.value for cell in sheet[1]][:2] == ["報表", "各縣市及單位統計"]
    assert sheet["B3"].value == "單位 353301"
    assert sheet["A6"].value == "臺北市立建國高級中學"
    assert sheet["C6"].value == 0 and sheet["C6"].number_format == "0.0"  # course hours
    assert sheet["F6"].value == 1 and isinstance(sheet["F6"].value, int)
    assert sheet["G6"].value == 2.5 and sheet["G6"].number_format == "0.0"


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_every_report_downloads_as_csv_and_xlsx(stats: Stats, name: str) -> None:
    span = {"visits": "from=2017-06-01&to=2017-06-02", "yearbook": "from=2016&to=2017"}.get(
        name, "from=2017-01&to=2017-02")
    for form in ("csv", "xlsx"):
        assert stats.get(f"/reports/{name}?{span}&format={form}").status_code == 200


def test_an_svg_chart_keeps_its_chinese_text_as_text(stats: Stats) -> None:
    some_hours(stats)
    answer = stats.get("/reports/enrolments?from=2014-07&to=2017-06&format=svg")
    assert answer.status_code == 200 and answer.mimetype == "image/svg+xml"
    svg = answer.get_data(as_text=True)
    assert "<text" in svg and "每月報名人次" in svg and "2017-06" in svg
    table = stats.get("/reports/tags?from=2017-01&to=2017-06&format=svg").get_data(as_text=True)
    assert "性別平等教育" in table


def test_a_png_chart_and_the_json_behind_it(stats: Stats) -> None:
    answer = stats.get("/reports/reviews?period=day&from=2017-06-01&to=2017-06-15&format=png")
    assert answer.mimetype == "image/png" and answer.get_data().startswith(b"\x89PNG")
    data = stats.report("/reports/reviews?period=day&from=2017-06-01&to=2017-06-15")
    assert [row["key"] for row in data["rows"]][:2] == ["2017-06-01", "2017-06-02"]
    assert data["columns"] == [{"key": "reviews", "label": "審課件數"}]
