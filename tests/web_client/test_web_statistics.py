"""R-STA-1…8 in the browser's pages (issue 14 points 5 and 6): the reports a person may
read, a chart from the stats service with its figures as a table, and the downloads. The
stats service decides the scope; what it refuses is this site's 404 page."""
from __future__ import annotations

from web.api import Answer

CATALOGUE = [
    {"name": "enrolments", "title": "報名人次", "shape": "series", "period": "month",
     "scopes": ["authority", "national", "unit"], "dimensions": [], "requirement": "R-STA-1",
     "measures": ["enrolments"]},
    {"name": "areas", "title": "各縣市統計", "shape": "table", "period": "month",
     "scopes": ["national"], "dimensions": ["county", "unit"], "requirement": "R-STA-2",
     "measures": ["courses_registered"]},
]
ENROLMENTS = {"report": "enrolments", "title": "報名人次", "requirement": "R-STA-1",
              "shape": "series", "period": "month", "from": "2026-01", "to": "2026-03",
              "scope": {"kind": "authority", "authority": "TPE", "unit": None,
                        "label": "臺北市"},
              "dimension": None, "columns": [{"key": "enrolments", "label": "報名人次"}],
              "rows": [{"key": "2026-01", "label": "115年1月", "values": {"enrolments": 1200}},
                       {"key": "2026-02", "label": "115年2月", "values": {"enrolments": 3456}}]}


def _stats_api(site) -> None:
    site.api.answer("GET", "/api/stats/reports", Answer(200, CATALOGUE))

    def report(call):
        if call.params.get("format") == "svg":
            return Answer(200, None, b"<svg xmlns='http://www.w3.org/2000/svg'><text>x</text></svg>",
                          {"Content-Type": "image/svg+xml"})
        if call.params.get("format") == "csv":
            return Answer(200, None, "\ufeff月份,報名人次\r\n".encode(),
                          {"Content-Disposition": 'attachment; filename="enrolments_2026-01_2026-03.csv"'})
        return Answer(200, ENROLMENTS)
    site.api.answer("GET", "/api/stats/reports/enrolments", report)


def test_a_reviewer_sees_the_reports_of_their_scope_only(site) -> None:
    """A reviewer reads their authority: a national-only report is not offered."""
    _stats_api(site)
    site.sign_in(["reviewer"], authority="TPE")
    page = site.text("/stats")
    assert 'href="/stats/enrolments"' in page and "報名人次" in page
    assert "/stats/areas" not in page
    assert 'href="/stats"' in site.text("/")  # in the menu


def test_a_report_shows_its_chart_its_figures_as_a_table_and_the_downloads(site) -> None:
    """R-STA-3, R-STA-7: the chart is the stats service's SVG; the table is its text
    alternative; the downloads and the chart ask for the range the table shows."""
    _stats_api(site)
    site.sign_in(["reviewer"], authority="TPE")
    page = site.text("/stats/enrolments?from=2026-01&to=&period=month")
    asked = site.api.to("GET", "/api/stats/reports/enrolments")[-1]
    assert asked.params == {"from": "2026-01", "period": "month", "lang": "zh-TW"}
    assert '<img src="/stats/enrolments/chart.svg?from=2026-01&amp;to=2026-03&amp;period=month' in page
    assert "3456" in page and "115年2月" in page and "臺北市" in page
    assert 'href="/stats/enrolments/download.csv?from=2026-01&amp;to=2026-03&amp;period=month' in page
    chart = site.browser.get("/stats/enrolments/chart.svg?from=2026-01&to=2026-03")
    assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"
    assert site.api.to("GET", "/api/stats/reports/enrolments")[-1].params["format"] == "svg"
    csv = site.browser.get("/stats/enrolments/download.csv?from=2026-01&to=2026-03")
    assert csv.status_code == 200 and csv.data.startswith("\ufeff".encode())
    assert csv.headers["Content-Disposition"] == \
        'attachment; filename="enrolments_2026-01_2026-03.csv"'
    assert site.browser.get("/stats/enrolments/download.pdf").status_code == 404


def test_english_asks_the_stats_service_for_english(site) -> None:
    _stats_api(site)
    site.sign_in(["viewer"])
    site.browser.get("/lang/en?next=/")
    site.text("/stats/enrolments")
    assert site.api.to("GET", "/api/stats/reports/enrolments")[-1].params["lang"] == "en"


def test_a_refused_range_is_named_beside_its_field_and_what_was_typed_stays(site) -> None:
    """Bad input: the stats service's problem, in the page, next to the field."""
    site.api.answer("GET", "/api/stats/reports", Answer(200, CATALOGUE))
    site.api.answer("GET", "/api/stats/reports/enrolments", Answer(422, {
        "type": "urn:inservice:problem:future-period", "title": "A period in the future",
        "errors": {"to": ["2099-01 is after the current period"]}}))
    site.sign_in(["viewer"])
    page = site.browser.get("/stats/enrolments?to=2099-01")
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert 'id="to-error"' in html and "2099-01 is after the current period" in html
    assert 'value="2099-01"' in html and "<img" not in html


def test_what_the_stats_service_refuses_or_does_not_know_is_the_404_page(site) -> None:
    """Scope: another authority's figures are the stats service's 403, here a 404; so are
    a teacher on any statistics page and a report name that could reach another path."""
    _stats_api(site)
    site.api.answer("GET", "/api/stats/reports/areas", Answer(403, {
        "type": "urn:inservice:problem:out-of-scope"}))
    site.sign_in(["reviewer"], authority="TPE")
    assert site.browser.get("/stats/areas?authority=TXG").status_code == 404
    assert site.browser.get("/stats/no-such-report").status_code == 404
    assert site.browser.get("/stats/..%2Fcourses").status_code == 404
    assert site.browser.get("/stats/areas/chart.svg").status_code == 404
    site.sign_in(["teacher"])
    assert site.browser.get("/stats").status_code == 404
    assert site.browser.get("/stats/enrolments").status_code == 404


def test_signed_out_the_statistics_lead_to_sign_in_and_back(site) -> None:
    answer = site.browser.get("/stats/enrolments?from=2026-01")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/auth/login?next=")


def test_a_business_account_reads_its_units_statistics_from_the_menu(site) -> None:
    """Issue 14 point 4: the unit's statistics, the reports declared for a unit only, the
    unit's figures as the stats service scopes them (the page asks for no other unit)."""
    _stats_api(site)
    site.sign_in(["business"], unit="353301")
    assert 'href="/stats"' in site.text("/")
    page = site.text("/stats")
    assert 'href="/stats/enrolments"' in page and "/stats/areas" not in page
    report = site.text("/stats/enrolments")
    asked = site.api.to("GET", "/api/stats/reports/enrolments")[-1]
    assert "unit" not in asked.params and "authority" not in asked.params and asked.token
    assert '<img src="/stats/enrolments/chart.svg?' in report and "3456" in report
