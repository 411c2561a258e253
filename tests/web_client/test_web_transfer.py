"""Issue 14 point 6: the transfer pages (R-TRF-1, 3, 5, 6, 7, 10, 11) — sources with their
onboarding, mapping and freeze exceptions (staff), monthly files with their progress and
per-row report, the month's deadlines, audits and linked duplicates. A unit's business
accounts read their own unit's sources and send their files; scope is the API's."""
from __future__ import annotations

import io

from web.api import Answer

CODE = "tpe-elearn"
UPLOAD = "5b0c3f5e-8a7d-4c1e-9a55-0d6f1f2b3c4d"
AUDIT = "9f1e2d3c-4b5a-4c6d-8e7f-0a1b2c3d4e5f"
SOURCE = {"code": CODE, "name": "臺北市教師研習網", "owner_unit": "380000", "mode": "monthly_file",
          "state": "test", "counts": {"courses": 12, "attendance": 340},
          "steps": [{"name": "format_check_passed", "by": "op-1",
                     "at": "2026-11-02T02:00:00+00:00", "reference": None}]}
PROBLEM = "urn:inservice:problem:"


def _source_api(site, state: str = "test") -> None:
    site.api.answer("GET", "/api/transfer/sources", Answer(200, [{**SOURCE, "state": state}]))
    site.api.answer("GET", f"/api/transfer/sources/{CODE}", Answer(200, {**SOURCE,
                                                                         "state": state}))
    site.api.answer("GET", f"/api/transfer/sources/{CODE}/counts", Answer(200, [
        {"month": "2026-10", "courses": 5, "attendance": 120}]))
    site.api.answer("GET", f"/api/transfer/sources/{CODE}/mappings", Answer(200, [
        {"part": "courses", "table": "課程", "columns": {"title": "課程名稱"}}]))
    site.api.answer("GET", f"/api/transfer/sources/{CODE}/reported-counts", Answer(200, [
        {"month": "2026-10", "courses": 5, "attendance": 118, "hours": "354.0",
         "reported_by": "biz-7", "reported_at": "2026-11-03T02:30:00+00:00"}]))


def _file(name: str = "十月.xlsx") -> tuple[io.BytesIO, str]:
    return io.BytesIO(b"PK\x03\x04 a workbook"), name


# -- sources ---------------------------------------------------------------------------------

def test_a_source_page_lists_the_files_sent_lately_with_links_to_each(site) -> None:
    """A unit comes back for last month's file and its report from the source's page."""
    _source_api(site, "production")
    site.api.answer("GET", f"/api/transfer/sources/{CODE}/files", Answer(200, [
        {"upload_id": UPLOAD, "source": CODE, "filename": "十月.xlsx", "status": "done",
         "rows_total": 340, "rows_done": 340, "error_count": 3,
         "created_at": "2026-11-03T01:00:00+00:00"}]))
    site.sign_in(["business"], unit="380000")
    page = site.text(f"/organiser/transfer/{CODE}")
    assert site.api.to("GET", f"/api/transfer/sources/{CODE}/files")[0].params == {"limit": 12}
    assert f'href="/organiser/transfer/{CODE}/files/{UPLOAD}">十月.xlsx</a>' in page
    assert "民國 115 年 11 月 3 日 09:00" in page and ">3<" in page


def test_an_operator_lists_every_source_and_opens_one_with_its_steps_and_counts(site) -> None:
    _source_api(site)
    site.sign_in(["operator"])
    assert 'href="/operator/transfer/sources"' in site.text("/operator")
    listing = site.text("/operator/transfer/sources")
    assert f'href="/operator/transfer/sources/{CODE}"' in listing
    assert "臺北市教師研習網" in listing and "測試中" in listing and "每月檔案" in listing
    page = site.text(f"/operator/transfer/sources/{CODE}")
    assert "380000" in page and "340" in page and "2026-10" in page and "120" in page
    assert "格式檢查通過" in page and "op-1" in page
    # the staff's forms: the steps not yet recorded, the moves allowed from test
    assert f'action="/operator/transfer/sources/{CODE}/steps"' in page
    assert 'value="ministry_approval"' in page and 'value="format_check_passed"' not in page
    assert 'value="production"' in page and 'value="evaluating"' not in page
    assert f'action="/operator/transfer/sources/{CODE}/freeze-exceptions"' in page
    assert f'action="/operator/transfer/sources/{CODE}/mappings/attendance"' in page
    assert 'value="課程名稱"' in page  # the mapping kept, ready to edit


def test_recording_the_ministrys_approval_sends_its_reference(site) -> None:
    _source_api(site)
    site.api.answer("POST", f"/api/transfer/sources/{CODE}/steps", Answer(200, SOURCE))
    site.sign_in(["operator"])
    token = site.csrf(f"/operator/transfer/sources/{CODE}")
    answer = site.browser.post(f"/operator/transfer/sources/{CODE}/steps", data={
        "csrf_token": token, "step": "ministry_approval", "reference": "臺教資字第1150001號"})
    assert answer.status_code == 302
    assert site.api.to("POST", f"/api/transfer/sources/{CODE}/steps")[0].json == {
        "step": "ministry_approval", "reference": "臺教資字第1150001號"}
    assert "已記錄" in site.text(f"/operator/transfer/sources/{CODE}")


def test_a_move_the_source_is_not_ready_for_is_said_on_its_page(site) -> None:
    _source_api(site)
    site.api.answer("POST", f"/api/transfer/sources/{CODE}/state", Answer(409, {
        "type": PROBLEM + "steps-missing", "errors": {"state": ["needs"]}, "state": "test",
        "to": "production", "missing": ["ministry_approval"]}))
    site.sign_in(["operator"])
    token = site.csrf(f"/operator/transfer/sources/{CODE}")
    answer = site.browser.post(f"/operator/transfer/sources/{CODE}/state",
                               data={"csrf_token": token, "state": "production"})
    assert answer.status_code == 409
    assert "轉為正式上線前，請先記錄：教育部核定。" in answer.get_data(as_text=True)
    assert site.api.to("POST", f"/api/transfer/sources/{CODE}/state")[0].json == {
        "state": "production"}


def test_a_refused_freeze_exception_is_shown_beside_its_field_with_what_was_typed(site) -> None:
    _source_api(site)
    site.api.answer("POST", f"/api/transfer/sources/{CODE}/freeze-exceptions", Answer(422, {
        "type": PROBLEM + "validation-failed",
        "errors": {"reference": ["Shorter than minimum length 1."]}}))
    site.sign_in(["operator"])
    token = site.csrf(f"/operator/transfer/sources/{CODE}")
    answer = site.browser.post(f"/operator/transfer/sources/{CODE}/freeze-exceptions", data={
        "csrf_token": token, "source_course_key": "C-2011-07", "reference": ""})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="reference-error"' in html and 'aria-describedby="reference-error"' in html
    assert 'value="C-2011-07"' in html


def test_a_mapping_is_saved_with_the_columns_typed_and_blank_ones_left_out(site) -> None:
    _source_api(site)
    site.api.answer("PUT", f"/api/transfer/sources/{CODE}/mappings/attendance",
                    Answer(200, {"part": "attendance", "table": "研習紀錄", "columns": {}}))
    site.sign_in(["admin"])
    token = site.csrf(f"/operator/transfer/sources/{CODE}")
    answer = site.browser.post(f"/operator/transfer/sources/{CODE}/mappings/attendance", data={
        "csrf_token": token, "attendance-table": "研習紀錄", "attendance-teacher_id": "身分證號",
        "attendance-hours": " 時數 ", "attendance-school_code": ""})
    assert answer.status_code == 302
    assert site.api.to("PUT", f"/api/transfer/sources/{CODE}/mappings/attendance")[0].json == {
        "table": "研習紀錄", "columns": {"teacher_id": "身分證號", "hours": "時數"}}
    assert site.browser.post(f"/operator/transfer/sources/{CODE}/mappings/other",
                             data={"csrf_token": token}).status_code == 404


def test_a_refused_mapping_is_shown_beside_its_table_field(site) -> None:
    _source_api(site)
    site.api.answer("PUT", f"/api/transfer/sources/{CODE}/mappings/courses", Answer(422, {
        "type": PROBLEM + "validation-failed",
        "errors": {"table": ["Missing data for required field."]}}))
    site.sign_in(["operator"])
    token = site.csrf(f"/operator/transfer/sources/{CODE}")
    answer = site.browser.post(f"/operator/transfer/sources/{CODE}/mappings/courses", data={
        "csrf_token": token, "courses-table": "", "courses-title": "名稱"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'id="courses-table-error"' in html
    assert 'value="名稱"' in html


def test_a_units_business_account_reads_its_sources_without_the_staff_forms(site) -> None:
    _source_api(site)
    site.sign_in(["business"], unit="380000")
    assert 'href="/organiser/transfer"' in site.text("/")
    listing = site.text("/organiser/transfer")
    assert f'href="/organiser/transfer/{CODE}"' in listing
    page = site.text(f"/organiser/transfer/{CODE}")
    assert "臺北市教師研習網" in page and "課程名稱" in page
    assert "/steps" not in page and "/state" not in page and "freeze-exceptions" not in page
    assert 'name="courses-table"' not in page
    assert f'action="/organiser/transfer/{CODE}/files"' in page  # the unit sends its files
    # another unit's source: the API's 404 is the 404 page
    site.api.answer("GET", "/api/transfer/sources/other-src", Answer(404, {
        "type": PROBLEM + "not-found"}))
    assert site.browser.get("/organiser/transfer/other-src").status_code == 404
    # the staff's pages and forms are not theirs
    assert site.browser.get("/operator/transfer/sources").status_code == 404
    token = site.csrf(f"/organiser/transfer/{CODE}")
    assert site.browser.post(f"/operator/transfer/sources/{CODE}/state", data={
        "csrf_token": token, "state": "archived"}).status_code == 404
    assert not site.api.to("POST", f"/api/transfer/sources/{CODE}/state")


def test_the_transfer_pages_are_the_404_page_for_other_roles(site) -> None:
    _source_api(site)
    for roles in (["teacher"], ["reviewer"], ["viewer"]):
        site.sign_in(roles, authority="TPE", unit="353301")
        for page in ("/operator/transfer/sources", f"/operator/transfer/sources/{CODE}",
                     "/organiser/transfer", f"/organiser/transfer/{CODE}",
                     "/operator/transfer/deadlines", "/operator/transfer/duplicates",
                     f"/operator/transfer/sources/{CODE}/files/{UPLOAD}/report.csv"):
            assert site.browser.get(page).status_code == 404, (roles, page)
    assert not [call for call in site.api.calls if call.path.startswith("/api/transfer")]


def test_a_source_code_or_id_that_could_reach_another_api_path_is_a_404(site) -> None:
    site.sign_in(["operator"])
    assert site.browser.get("/operator/transfer/sources/..%2Faccounts").status_code == 404
    assert site.browser.get(f"/operator/transfer/sources/{CODE}/files/x..y").status_code == 404
    assert site.browser.get(f"/operator/transfer/sources/{CODE}/audits/1").status_code == 404
    assert not [call for call in site.api.calls if call.path.startswith("/api/transfer")]


def test_a_form_without_its_csrf_token_is_refused(site) -> None:
    _source_api(site)
    site.sign_in(["operator"])
    answer = site.browser.post(f"/operator/transfer/sources/{CODE}/state",
                               data={"state": "archived"})
    assert answer.status_code in (400, 403)
    file, name = _file()
    answer = site.browser.post(f"/operator/transfer/sources/{CODE}/files",
                               data={"file": (file, name)}, content_type="multipart/form-data")
    assert answer.status_code in (400, 403)
    assert not site.api.to("POST", f"/api/transfer/sources/{CODE}/state")
    assert not site.api.to("POST", f"/api/transfer/sources/{CODE}/files")


# -- files -----------------------------------------------------------------------------------

def _upload(status: str, **more: object) -> dict[str, object]:
    return {"upload_id": UPLOAD, "source": CODE, "filename": "十月.xlsx", "status": status,
            "rows_total": 2500, "rows_done": 1000, "counts": None, "error_count": 0,
            "failure": None, "created_by": "biz-1", "created_at": "2026-11-03T01:00:00+00:00",
            "finished_at": None, "purged_at": None, **more}


def test_a_file_is_sent_as_multipart_and_its_page_follows_the_processing(site) -> None:
    _source_api(site, "production")
    site.api.answer("POST", f"/api/transfer/sources/{CODE}/files",
                    Answer(202, _upload("queued", rows_done=0)))
    site.api.answer("GET", f"/api/transfer/sources/{CODE}/files/{UPLOAD}",
                    Answer(200, _upload("processing")))
    site.sign_in(["business"], unit="380000")
    token = site.csrf(f"/organiser/transfer/{CODE}")
    file, name = _file()
    answer = site.browser.post(f"/organiser/transfer/{CODE}/files", data={
        "csrf_token": token, "file": (file, name)}, content_type="multipart/form-data")
    assert answer.status_code == 302
    assert answer.headers["Location"] == f"/organiser/transfer/{CODE}/files/{UPLOAD}"
    [sent] = site.api.to("POST", f"/api/transfer/sources/{CODE}/files")
    assert sent.files["file"][0] == "十月.xlsx" and sent.files["file"][1].startswith(b"PK")
    page = site.text(f"/organiser/transfer/{CODE}/files/{UPLOAD}")
    assert "處理中" in page and "1000 / 2500" in page and 'value="1000"' in page
    assert "transfer.js" in page and "report.xlsx" not in page
    assert f'href="/organiser/transfer/{CODE}/files/{UPLOAD}"' in page  # works without script
    followed = site.browser.get(f"/organiser/transfer/{CODE}/files/{UPLOAD}",
                                headers={"Accept": "application/json"})
    assert followed.get_json() == {"status": "processing", "rows_done": 1000,
                                   "rows_total": 2500, "said": "處理中"}


def test_upload_js_is_told_the_file_page_to_open(site) -> None:
    _source_api(site, "production")
    site.api.answer("POST", f"/api/transfer/sources/{CODE}/files",
                    Answer(202, _upload("queued")))
    site.sign_in(["operator"])
    token = site.csrf(f"/operator/transfer/sources/{CODE}")
    file, name = _file()
    answer = site.browser.post(f"/operator/transfer/sources/{CODE}/files", data={
        "csrf_token": token, "file": (file, name)}, content_type="multipart/form-data",
        headers={"Accept": "application/json"})
    assert answer.get_json() == {"ok": True,
                                 "next": f"/operator/transfer/sources/{CODE}/files/{UPLOAD}"}


def test_a_file_refused_at_once_says_why_with_each_mapping_problem(site) -> None:
    _source_api(site)
    site.api.answer("POST", f"/api/transfer/sources/{CODE}/files", Answer(422, {
        "type": PROBLEM + "mapping-mismatch",
        "problems": ["courses: no column 課程名稱 in table 課程"]}))
    site.sign_in(["operator"])
    token = site.csrf(f"/operator/transfer/sources/{CODE}")
    file, name = _file()
    answer = site.browser.post(f"/operator/transfer/sources/{CODE}/files", data={
        "csrf_token": token, "file": (file, name)}, content_type="multipart/form-data")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "不符合" in html and "no column 課程名稱 in table 課程" in html
    no_file = site.browser.post(f"/operator/transfer/sources/{CODE}/files",
                                data={"csrf_token": token}, content_type="multipart/form-data")
    assert no_file.status_code == 422 and 'id="file-error"' in no_file.get_data(as_text=True)
    assert len(site.api.to("POST", f"/api/transfer/sources/{CODE}/files")) == 1


def test_a_processed_file_shows_its_counts_and_proxies_its_reports(site) -> None:
    site.api.answer("GET", f"/api/transfer/sources/{CODE}/files/{UPLOAD}", Answer(200, _upload(
        "done", rows_done=2500, error_count=3, finished_at="2026-11-03T01:05:00+00:00",
        counts={"courses": {"added": 40, "changed": 1, "unchanged": 0, "withdrawn": 0},
                "attendance": {"added": 2456, "changed": 0, "unchanged": 0,
                               "withdrawn": 0}})))
    site.api.answer("GET", f"/api/transfer/sources/{CODE}/files/{UPLOAD}/report.csv",
                    Answer(200, None, "課程名稱,錯誤 errors\r\n".encode(),
                           {"Content-Type": "text/csv; charset=utf-8"}))
    site.api.answer("GET", f"/api/transfer/sources/{CODE}/files/{UPLOAD}/report.xlsx",
                    Answer(200, None, b"PK\x03\x04report", {}))
    site.sign_in(["operator"])
    page = site.text(f"/operator/transfer/sources/{CODE}/files/{UPLOAD}")
    assert "已處理" in page and "2456" in page and "3" in page and "transfer.js" not in page
    assert f"/operator/transfer/sources/{CODE}/files/{UPLOAD}/report.xlsx" in page
    csv = site.browser.get(f"/operator/transfer/sources/{CODE}/files/{UPLOAD}/report.csv",
                           query_string={"table": "課程"})
    assert csv.status_code == 200 and csv.data.startswith("課程名稱".encode())
    assert csv.headers["Content-Disposition"].startswith("attachment")
    assert csv.headers["Cache-Control"] == "no-store"
    assert site.api.to("GET", f"/api/transfer/sources/{CODE}/files/{UPLOAD}/report.csv")[
        0].params == {"table": "課程"}
    xlsx = site.browser.get(f"/operator/transfer/sources/{CODE}/files/{UPLOAD}/report.xlsx")
    assert xlsx.status_code == 200 and xlsx.data == b"PK\x03\x04report"
    assert "spreadsheetml" in xlsx.headers["Content-Type"]


def test_a_report_that_is_not_there_is_the_404_page(site) -> None:
    site.api.answer("GET", f"/api/transfer/sources/{CODE}/files/{UPLOAD}/report.xlsx",
                    Answer(404, {"type": PROBLEM + "report-unavailable"}))
    site.sign_in(["business"], unit="380000")
    assert site.browser.get(
        f"/organiser/transfer/{CODE}/files/{UPLOAD}/report.xlsx").status_code == 404


def test_testing_a_file_shows_the_answer_it_would_get_in_the_persons_language(site) -> None:
    _source_api(site)
    site.api.answer("POST", f"/api/transfer/sources/{CODE}/file-tests", Answer(200, {
        "source": CODE, "trial": True,
        "counts": {"courses": {"added": 2, "changed": 0, "unchanged": 0, "withdrawn": 0}},
        "errors": [{"part": "attendance", "row": 7, "field": "teacher_id",
                    "code": "invalid-national-id", "message_zh": "身分證號不正確",
                    "message_en": "The national ID is not valid"}],
        "duplicates": []}))
    site.sign_in(["business"], unit="380000")
    token = site.csrf(f"/organiser/transfer/{CODE}")
    file, name = _file()
    answer = site.browser.post(f"/organiser/transfer/{CODE}/file-tests", data={
        "csrf_token": token, "file": (file, name)}, content_type="multipart/form-data")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "身分證號不正確" in html and "teacher_id" in html and "測試" in html
    assert site.api.to("POST", f"/api/transfer/sources/{CODE}/file-tests")[0].files[
        "file"][0] == "十月.xlsx"
    site.browser.get("/lang/en")
    answer = site.browser.post(f"/organiser/transfer/{CODE}/file-tests", data={
        "csrf_token": token, "file": _file()}, content_type="multipart/form-data")
    assert "The national ID is not valid" in answer.get_data(as_text=True)


# -- deadlines, audits, duplicates -------------------------------------------------------------

DEADLINES = [{"source": CODE, "name": "臺北市教師研習網", "owner_unit": "380000",
              "mode": "monthly_file", "month": "2026-10", "status": "late", "due": "2026-11-05",
              "reported_on": "2026-11-09", "longest_silence_days": None,
              "silence_days_allowed": None},
             {"source": "push-1", "name": "某平臺", "owner_unit": "380000", "mode": "daily_push",
              "month": "2026-10", "status": "missing", "due": None, "reported_on": None,
              "longest_silence_days": 31, "silence_days_allowed": 3}]


def test_the_deadlines_of_a_month_are_listed_per_source(site) -> None:
    site.api.answer("GET", "/api/transfer/deadlines", Answer(200, DEADLINES))
    site.sign_in(["operator"])
    page = site.text("/operator/transfer/deadlines", query_string={"month": "2026-10"})
    assert "逾期" in page and "未報送" in page and "民國 115 年 11 月 9 日" in page
    assert "31" in page
    assert site.api.to("GET", "/api/transfer/deadlines")[0].params == {"month": "2026-10"}
    site.text("/operator/transfer/deadlines")
    assert site.api.to("GET", "/api/transfer/deadlines")[1].params is None


def test_a_month_not_written_as_one_is_said_beside_the_field_and_kept(site) -> None:
    site.sign_in(["operator"])
    answer = site.browser.get("/operator/transfer/deadlines", query_string={"month": "115/10"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'id="month-error"' in html and 'value="115/10"' in html
    assert not site.api.to("GET", "/api/transfer/deadlines")


def test_a_business_account_reads_its_units_deadlines(site) -> None:
    site.api.answer("GET", "/api/transfer/deadlines", Answer(200, DEADLINES[:1]))
    site.sign_in(["business"], unit="380000")
    page = site.text("/organiser/transfer/deadlines")
    assert f'href="/organiser/transfer/{CODE}"' in page
    assert site.browser.get("/operator/transfer/deadlines").status_code == 404


def test_a_sources_audits_and_one_audits_differences(site) -> None:
    _source_api(site, "production")
    one = {"audit_id": AUDIT, "source": CODE, "kind": "monthly", "first_month": "2026-10",
           "last_month": "2026-10", "differences": 1, "opened_at": "2026-11-10T02:00:00+00:00",
           "lines": [{"month": "2026-10", "reported": {"courses": 5, "attendance": 118,
                                                       "hours": "354.0"},
                      "held": {"courses": 5, "attendance": 120, "hours": "360.0"},
                      "differences": ["attendance", "hours"]}]}
    site.api.answer("GET", f"/api/transfer/sources/{CODE}/audits", Answer(200, [one]))
    site.api.answer("GET", f"/api/transfer/sources/{CODE}/audits/{AUDIT}", Answer(200, one))
    site.sign_in(["business"], unit="380000")
    listing = site.text(f"/organiser/transfer/{CODE}/audits")
    assert f'href="/organiser/transfer/{CODE}/audits/{AUDIT}"' in listing and "每月" in listing
    page = site.text(f"/organiser/transfer/{CODE}/audits/{AUDIT}")
    assert "<strong>118 / 120</strong>" in page and "5 / 5" in page
    assert "研習人次" in page and "時數" in page


def test_the_linked_duplicates_page_through_by_the_last_key(site) -> None:
    rows = [{"source": "src-b", "course_key": f"K{n:03}", "account_id": f"acc-{n}",
             "kept_source": CODE, "kept_course_key": "A1", "school_code": "353301",
             "hours": "3.0", "completed_on": "2026-10-01",
             "found_at": "2026-10-02T00:00:00+00:00"} for n in range(100)]
    site.api.answer("GET", "/api/transfer/duplicates", Answer(200, rows))
    site.sign_in(["operator"])
    page = site.text("/operator/transfer/duplicates", query_string={"source": "src-b"})
    assert "K099" in page and "after_course_key=K099" in page and "after_account_id=acc-99" in page
    assert site.api.to("GET", "/api/transfer/duplicates")[0].params == {
        "source": "src-b", "limit": "100"}
    bad = site.browser.get("/operator/transfer/duplicates", query_string={"source": "../x"})
    assert bad.status_code == 422 and 'id="source-error"' in bad.get_data(as_text=True)
    site.sign_in(["business"], unit="380000")
    assert site.browser.get("/operator/transfer/duplicates").status_code == 404


def test_the_api_being_down_is_a_page_that_says_so(site) -> None:
    site.sign_in(["operator"])
    site.api.down = True
    assert site.browser.get("/operator/transfer/sources").status_code == 503


def test_an_operator_registers_a_source_and_a_refusal_keeps_what_was_typed(site) -> None:
    _source_api(site)
    site.api.answer("POST", "/api/transfer/sources", Answer(201, {**SOURCE, "state": "evaluating"}))
    site.sign_in(["operator"])
    token = site.csrf("/operator/transfer/sources")
    typed = {"code": CODE, "name": "臺北市教師研習網", "owner_unit": "380000",
             "mode": "monthly_file"}
    answer = site.browser.post("/operator/transfer/sources", data={"csrf_token": token, **typed})
    assert answer.status_code == 302 and answer.headers["Location"] == (
        f"/operator/transfer/sources/{CODE}")
    assert site.api.to("POST", "/api/transfer/sources")[0].json == typed
    site.api.answer("POST", "/api/transfer/sources", Answer(409, {
        "type": PROBLEM + "source-exists"}))
    answer = site.browser.post("/operator/transfer/sources", data={"csrf_token": token, **typed})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 409 and 'id="code-error"' in html and "已有此代碼" in html
    assert 'value="臺北市教師研習網"' in html
    site.api.answer("POST", "/api/transfer/sources", Answer(422, {
        "type": PROBLEM + "validation-failed",
        "errors": {"owner_unit": ["Shorter than minimum length 1."]}}))
    answer = site.browser.post("/operator/transfer/sources", data={
        "csrf_token": token, **typed, "owner_unit": ""})
    assert answer.status_code == 422 and 'id="owner_unit-error"' in answer.get_data(as_text=True)
    site.sign_in(["business"], unit="380000")
    assert "register-heading" not in site.text("/organiser/transfer")
    assert site.browser.post("/operator/transfer/sources", data={
        "csrf_token": token, **typed}).status_code in (400, 404)
    assert len(site.api.to("POST", "/api/transfer/sources")) == 3


def test_a_monthly_file_may_be_larger_than_a_courses_attachment(site) -> None:
    """Every other form stops at 12 MiB; the transfer service takes files up to 50 MB."""
    _source_api(site, "production")
    site.api.answer("POST", f"/api/transfer/sources/{CODE}/files",
                    Answer(202, _upload("queued")))
    site.sign_in(["operator"])
    token = site.csrf(f"/operator/transfer/sources/{CODE}")
    # encoded here: the test client would spool a large body to a file it leaves open
    boundary = "transfer-test-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            f"{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"big.xlsx\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            ).encode() + b"PK\x03\x04" + bytes(20 * 1024 * 1024) + f"\r\n--{boundary}--\r\n".encode()
    answer = site.browser.post(f"/operator/transfer/sources/{CODE}/files", data=body,
                               content_type=f"multipart/form-data; boundary={boundary}")
    assert answer.status_code == 302
    [sent] = site.api.to("POST", f"/api/transfer/sources/{CODE}/files")
    assert len(sent.files["file"][1]) == 20 * 1024 * 1024 + 4
    assert sent.timeout == 120  # the service checks the whole file before it answers
