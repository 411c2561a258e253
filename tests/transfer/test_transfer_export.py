"""The county export (R-TRF-9): a county's reviewers export the records of the teachers
whose school is in the county, from every production source, as CSV (UTF-8 with BOM)
and .xlsx (typed cells), streamed, filtered by the course's start, audited; another
county's export is answered 404; no national ID ever goes out."""
from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from transfer_helpers import PLATFORM, TEACHERS, open_source

from contracts.events.accounts import UNIT_UPDATED
from servicekit.events import Envelope
from services.transfer.adapters.tables import county_exports
from services.transfer.handlers.replica import apply_units

IDS = list(TEACHERS)
UNITS = (("313502", "臺北市立大安國中", "TPE"), ("353301", "臺北市立建國高級中學", "TPE"),
         ("213502", "臺南市東區勝利國民小學", "TNN"), ("313301", "臺北市教師研習中心", "TPE"))


def _units(api) -> None:
    events = [({"unit_code": code, "name": name, "unit_type": "junior_high_school",
                "authority_code": county, "county_code": county, "version": 1},
               Envelope(type=UNIT_UPDATED, source="accounts", data={}, correlation_id="t"))
              for code, name, county in UNITS]
    with api.runtime.database.session() as session:
        apply_units(session, events)


def _course(key: str, start: str, title: str = "閱讀教學研習") -> dict:
    return {"source_course_key": key, "title": title, "organiser_unit_code": "313301",
            "county_code": "TPE", "start_date": start, "end_date": start, "hours": "3",
            "class_type": "研習", "category": "語文"}


def _attendee(key: str, n: int, school: str, on: str, hours: str = "2.5") -> dict:
    return {"source_course_key": key, "teacher_id": IDS[n], "teacher_name": f"教師{n}",
            "school_code": school, "hours": hours, "completed_on": on}


def _records(api) -> None:
    _units(api)
    open_source(api)
    open_source(api, "tnn-edu", unit="213502")
    open_source(api, "trial-edu", unit="313301", state="test")
    api.push("tpe-edu", {
        "courses": [_course("C14", "2014-03-01"), _course("C20", "2020-09-01",
                                                          "=HYPERLINK(\"x\")")],
        "attendance": [_attendee("C14", 0, "313502", "2014-03-01"),
                       _attendee("C14", 1, "213502", "2014-03-01"),
                       _attendee("C14", 2, "353301", "2014-03-01"),
                       _attendee("C20", 0, "313502", "2020-09-01", "1")]})
    api.push("tnn-edu", {"courses": [_course("T1", "2016-05-05")],
                         "attendance": [_attendee("T1", 3, "313502", "2016-05-05"),
                                        _attendee("T1", 4, "213502", "2016-05-05")]})
    api.push("tpe-edu", {"withdrawals": [{"source_course_key": "C14", "teacher_id": IDS[2],
                                          "reason": "誤植"}]})
    api.push("trial-edu", {"courses": [_course("X1", "2016-01-01")],
                           "attendance": [_attendee("X1", 5, "313502", "2016-01-01")]})


def _as(api, path: str, role: str = "reviewer", authority: str | None = "TPE"):
    token = PLATFORM.sign(subject=f"{role}-7", roles=[role], authority=authority)
    return api.client.get(path, headers={"Authorization": f"Bearer {token}"})


def _csv(answer) -> list[list[str]]:
    text = answer.get_data()
    assert text.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))


def _check_export(api) -> None:
    _records(api)
    answer = _as(api, "/counties/TPE/records.csv")
    assert answer.status_code == 200 and answer.is_streamed
    assert answer.headers["Content-Type"].startswith("text/csv")
    rows = _csv(answer)
    assert rows[0][0] == "來源 source" and len(rows[0]) == 17
    got = [(r[0], r[1], r[10], r[12], r[13], r[14]) for r in rows[1:]]
    assert got == [
        ("tpe-edu", "C14", TEACHERS[IDS[0]], "313502", "臺北市立大安國中", "2.5"),
        ("tnn-edu", "T1", TEACHERS[IDS[3]], "313502", "臺北市立大安國中", "2.5"),
        ("tpe-edu", "C20", TEACHERS[IDS[0]], "313502", "臺北市立大安國中", "1.0")]
    assert rows[3][2] == "'=HYPERLINK(\"x\")"  # never a formula in a spreadsheet
    assert rows[1][4] == "臺北市教師研習中心" and rows[1][11] == "教師0"
    body = answer.get_data(as_text=True)
    assert not any(national_id in body for national_id in IDS)

    period = _csv(_as(api, "/counties/TPE/records.csv?from=2015-01-01&to=2019-12-31"))
    assert [r[1] for r in period[1:]] == ["T1"]
    one_source = _csv(_as(api, "/counties/TPE/records.csv?source=tpe-edu", role="operator",
                          authority=None))
    assert [r[1] for r in one_source[1:]] == ["C14", "C20"]

    book = _as(api, "/counties/TPE/records.xlsx?from=2014-01-01")
    assert book.status_code == 200
    sheet = load_workbook(io.BytesIO(book.get_data()), read_only=True).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 4 and values[0][0] == "來源 source"
    assert isinstance(values[1][5], datetime) and values[1][5].year == 2014
    assert values[1][14] == 2.5 and values[1][16] == 1
    assert values[3][2] == "=HYPERLINK(\"x\")"  # kept as text
    with api.runtime.database.engine.connect() as db:
        audit = db.execute(select(county_exports).order_by(county_exports.c.id)).all()
    assert [(a.county_code, a.exported_by, a.format, a.row_count) for a in audit] == [
        ("TPE", "reviewer-7", "csv", 3), ("TPE", "reviewer-7", "csv", 1),
        ("TPE", "operator-7", "csv", 2), ("TPE", "reviewer-7", "xlsx", 3)]
    assert audit[1].filters == {"from": "2015-01-01", "to": "2019-12-31", "source": None}
    assert all(a.finished_at is not None for a in audit)


def test_a_county_exports_its_teachers_records_as_csv_and_xlsx(api) -> None:
    _check_export(api)


@pytest.mark.postgres
def test_the_county_export_streams_from_postgresql(pg_api) -> None:
    _check_export(pg_api)


def test_another_county_and_bad_filters_are_refused(api) -> None:
    _records(api)
    assert _as(api, "/counties/TPE/records.csv", authority="TNN").status_code == 404
    assert _as(api, "/counties/TPE/records.xlsx", authority=None).status_code == 404
    assert _as(api, "/counties/XXX/records.csv", role="operator").status_code == 404
    assert _as(api, "/counties/TPE/records.csv", role="business").status_code == 403
    for query in ("from=2020-13-01", "from=2020-02-01&to=2020-01-01"):
        bad = _as(api, f"/counties/TPE/records.csv?{query}")
        assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
        assert bad.json["type"] == "urn:inservice:problem:validation-failed"
    tnn = _csv(_as(api, "/counties/TNN/records.csv", authority="TNN"))
    assert [(r[1], r[12]) for r in tnn[1:]] == [("C14", "213502"), ("T1", "213502")]
    with api.runtime.database.engine.connect() as db:
        assert [a.county_code for a in db.execute(select(county_exports))] == ["TNN"]
