"""Issue 14 points 4 and 5 (R-CRS-6, R-CRS-10): a closed course's amendment request, the
approver's monthly batch with its decisions, and the meeting-name report, on fakes of the
API. The API's answers go in; what the page sends, shows and keeps comes out."""
from __future__ import annotations

from web.api import Answer

COURSE_ID = "0b7c3f4e-1d2a-4c5b-9e8f-7a6b5c4d3e2f"
LISTED = "11111111-1111-4111-8111-111111111111"
SEATED = "22222222-2222-4222-8222-222222222222"
WALK_IN = "33333333-3333-4333-8333-333333333333"
AMENDMENT_ID = "44444444-4444-4444-8444-444444444444"
COURSE = {"id": COURSE_ID, "code": "2026-000123", "title": "防災教育研習", "status": "closed",
          "unit_code": "353301", "starts_on": "2026-03-05", "ends_on": "2026-03-06",
          "hours": 6.0, "place": "建國中學 視聽教室", "capacity": 40, "attachments": [],
          "meeting_keywords": [], "reviews": [],
          "enrolment_opens_at": "2026-02-01T00:00:00+08:00",
          "enrolment_closes_at": "2026-03-01T00:00:00+08:00"}
ATTENDANCE = {"course_id": COURSE_ID, "status": "closed", "due_on": "2026-03-20",
              "attendees": [{"account_id": LISTED, "hours": 6.0, "walk_in": False}],
              "total_hours": 6.0, "reviews": []}
ENROLLED = {"enrolments": [
    {"account_id": LISTED, "teacher_name": "陳小明", "status": "enrolled"},
    {"account_id": SEATED, "teacher_name": "林美華", "status": "enrolled"}]}
AMENDMENT = {"amendment_id": AMENDMENT_ID, "course_id": COURSE_ID, "unit_code": "353301",
             "changes": {"hours": 3.0, "attendees": [{"account_id": LISTED, "hours": 3.0,
                                                      "walk_in": False}]},
             "previous": {"hours": 6.0, "attendees": [{"account_id": LISTED, "hours": 6.0}]},
             "reason": "課程實際只進行半天", "requested_by": "account-1",
             "requested_at": "2026-04-02T02:00:00+00:00", "approver_authority_code": "TPE",
             "batch_month": "2026-04", "due_on": "2026-05-05", "status": "pending",
             "decided_by": None, "decided_at": None, "reference": None, "comment": None,
             "audit": []}
BATCH = {"approver": "TPE", "month": "2026-04", "due_on": "2026-05-05", "overdue": True,
         "counts": {"pending": 1, "approved": 0, "rejected": 0}, "requests": [AMENDMENT]}
REPORT = {"from": "2026-08-01", "to": "2027-07-31", "authority_code": "TPE",
          "keywords": ["校務會議", "行政會議"], "flagged": 2, "meeting_only": 1,
          "authorities": [{"authority_code": "TPE", "courses": [
              {"id": COURSE_ID, "code": "2026-000123", "title": "校務會議與防災研習",
               "unit_code": "353301", "status": "approved", "starts_on": "2026-09-05",
               "keywords": ["校務會議"]}], "meeting_only": [
              {"id": "c2", "code": "2026-000124", "title": "115學年度第1學期期初校務會議",
               "unit_code": "353302", "status": "submitted", "starts_on": "2026-09-01",
               "keywords": ["校務會議"]}]}]}
PAGE = f"/organiser/courses/{COURSE_ID}/amendment"


SENT = "/api/courses/units/353301/amendments"
DECIDED = {**AMENDMENT, "amendment_id": "55555555-5555-4555-8555-555555555555",
           "changes": {"place": "建國中學 禮堂", "remove_attendees": [LISTED]},
           "reason": "場地誤植", "status": "rejected", "decided_at": "2026-04-20T03:00:00+00:00",
           "comment": "原場地無誤，請檢附簽到表", "reference": None}
LISTED_REQUESTS = {"unit_code": "353301", "page": 1, "per_page": 100, "total": 2, "items": [
    {**{k: v for k, v in AMENDMENT.items() if k != "audit"}, "course_code": "2026-000123",
     "course_title": "防災教育研習"},
    {**{k: v for k, v in DECIDED.items() if k != "audit"}, "course_code": "2026-000123",
     "course_title": "防災教育研習"}]}


def _closed_course(site) -> None:
    site.sign_in(["business"], unit="353301")
    site.api.answer("GET", SENT, Answer(200, LISTED_REQUESTS))
    site.api.answer("GET", f"/api/courses/{COURSE_ID}", Answer(200, COURSE))
    site.api.answer("GET", f"/api/courses/{COURSE_ID}/attendance", Answer(200, ATTENDANCE))
    site.api.answer("GET", f"/api/courses/{COURSE_ID}/enrolments", Answer(200, ENROLLED))


# -- the organiser's request (R-CRS-6) ------------------------------------------------------

def test_the_amendment_page_lists_the_courses_requests_with_their_decisions(site) -> None:
    _closed_course(site)
    page = site.text(PAGE)
    [call] = site.api.to("GET", SENT)
    assert call.params == {"course_id": COURSE_ID, "per_page": 100}
    sent = page.split('id="sent-heading"', 1)[1]
    assert "課程實際只進行半天" in sent and "待審核" in sent  # pending, with its reason
    assert "TPE 將於 民國 115 年 5 月 5 日前決定。" in sent
    assert "場地誤植" in sent and "已駁回" in sent and "原場地無誤，請檢附簽到表" in sent
    assert "地點：建國中學 禮堂" in sent and "移除 1 位教師" in sent
    site.api.answer("GET", SENT, Answer(503, {"type": "urn:inservice:problem:unavailable"}))
    assert "目前無法顯示已送出的申請。" in site.text(PAGE)


def test_the_units_requests_page_filters_by_state_and_pages(site) -> None:
    _closed_course(site)
    site.api.answer("GET", SENT, Answer(200, {**LISTED_REQUESTS, "per_page": 1, "total": 2,
                                              "items": LISTED_REQUESTS["items"][:1]}))
    page = site.text("/organiser/amendments?status=pending")
    assert site.api.to("GET", SENT)[-1].params == {"status": "pending"}
    assert f'href="/organiser/courses/{COURSE_ID}/amendment"' in page and "防災教育研習" in page
    assert "page=2" in page and "共 2 件申請" in page
    assert "/organiser/amendments" in site.text("/organiser")
    calls = len(site.api.calls)
    refused = site.browser.get("/organiser/amendments?status=refused")
    assert refused.status_code == 422 and len(site.api.calls) == calls  # not asked
    assert 'id="status-error"' in refused.get_data(as_text=True)
    site.api.answer("GET", SENT, Answer(404, {"type": "urn:inservice:problem:unit-not-found"}))
    assert "找不到此單位" in site.text("/organiser/amendments")
    site.sign_in(["teacher"])
    assert site.browser.get("/organiser/amendments").status_code == 404


def test_a_closed_courses_page_offers_the_amendment_and_the_form_lists_the_teachers(site) -> None:
    _closed_course(site)
    assert PAGE in site.text(f"/organiser/courses/{COURSE_ID}")
    page = site.text(PAGE)
    assert "申請異動" in page and "陳小明" in page and "林美華" in page
    assert f'name="hours-{LISTED}"' in page and f'value="{LISTED}"' in page
    assert 'name="changes-hours"' in page and 'name="reason"' in page
    open_course = {**COURSE, "status": "approved"}
    site.api.answer("GET", f"/api/courses/{COURSE_ID}", Answer(200, open_course))
    assert PAGE not in site.text(f"/organiser/courses/{COURSE_ID}")
    assert site.browser.get(PAGE).status_code == 404


def test_the_request_sends_only_what_was_filled_with_the_reason(site) -> None:
    _closed_course(site)
    site.api.answer("POST", f"/api/courses/{COURSE_ID}/amendments",
                    Answer(201, {**AMENDMENT, "due_on": "2026-05-05"}))
    token = site.csrf(PAGE)
    answer = site.browser.post(PAGE, data={
        "csrf_token": token, "changes-title": "", "changes-place": "建國中學 禮堂",
        "changes-hours": "", "listed": [LISTED], "addable": [SEATED],
        f"hours-{LISTED}": "", f"hours-{SEATED}": "6", "remove": [LISTED],
        "reason": "場地更動，並補登一位教師"})
    assert answer.status_code == 302 and answer.headers["Location"] == PAGE
    [call] = site.api.to("POST", f"/api/courses/{COURSE_ID}/amendments")
    assert call.json == {"changes": {
        "place": "建國中學 禮堂",
        "attendees": [{"account_id": SEATED, "hours": "6", "walk_in": False}],
        "remove_attendees": [LISTED]}, "reason": "場地更動，並補登一位教師"}
    assert "TPE" in site.text(PAGE)  # who decides, by when


def test_the_apis_errors_are_beside_the_fields_and_the_typed_values_stay(site) -> None:
    _closed_course(site)
    site.api.answer("POST", f"/api/courses/{COURSE_ID}/amendments", Answer(422, {
        "type": "urn:inservice:problem:validation-failed",
        "errors": {"changes": {"attendees": {"0": {"hours": ["Not a valid number."]}},
                               "starts_on": ["Not a valid date."]},
                   "reason": ["Shorter than minimum length 1."]}}))
    token = site.csrf(PAGE)
    answer = site.browser.post(PAGE, data={
        "csrf_token": token, "changes-place": "禮堂", "listed": [LISTED],
        f"hours-{LISTED}": "三", "reason": ""})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert f'id="hours-{LISTED}-error"' in html and "請填數字。" in html
    assert f'aria-describedby="hours-{LISTED}-error"' in html
    assert 'id="changes-starts_on-error"' in html and 'id="reason-error"' in html
    assert 'value="禮堂"' in html and 'value="三"' in html


def test_a_rule_about_teachers_is_said_beside_each_teacher_named(site) -> None:
    _closed_course(site)
    site.api.answer("POST", f"/api/courses/{COURSE_ID}/amendments", Answer(422, {
        "type": "urn:inservice:problem:hours-above-course", "account_ids": [LISTED],
        "course_hours": 6.0}))
    token = site.csrf(PAGE)
    html = site.browser.post(PAGE, data={
        "csrf_token": token, "listed": [LISTED], f"hours-{LISTED}": "8",
        "reason": "補登"}).get_data(as_text=True)
    assert f'id="hours-{LISTED}-error"' in html and "時數不可超過研習時數" in html
    assert 'value="8"' in html and "補登" in html


def test_a_walk_in_found_on_the_amendment_page_is_offered_with_hours(site) -> None:
    _closed_course(site)
    site.api.answer("POST", "/api/accounts/teachers/lookups", Answer(200, [
        {"found": True, "account_id": WALK_IN, "display_name": "黃大同"}]))
    token = site.csrf(PAGE)
    added = site.browser.post(f"/organiser/courses/{COURSE_ID}/walk-ins", data={
        "csrf_token": token, "national_id": "A123456789", "then": "amendment"})
    assert added.headers["Location"] == PAGE
    page = site.text(PAGE)
    assert "黃大同" in page and f'name="walk_in" value="{WALK_IN}"' in page
    assert "A123456789" not in page and "A123456789" not in str(site.store.sessions)
    site.api.answer("POST", f"/api/courses/{COURSE_ID}/amendments", Answer(201, AMENDMENT))
    site.browser.post(PAGE, data={"csrf_token": token, "walk_in": [WALK_IN],
                                  f"hours-{WALK_IN}": "3", "reason": "現場報到"})
    [call] = site.api.to("POST", f"/api/courses/{COURSE_ID}/amendments")
    assert call.json["changes"] == {"attendees": [{"account_id": WALK_IN, "hours": "3",
                                                   "walk_in": True}]}


def test_another_units_course_is_the_404_page(site) -> None:
    site.sign_in(["business"], unit="353301")
    site.api.answer("GET", f"/api/courses/{COURSE_ID}",
                    Answer(404, {"type": "urn:inservice:problem:course-not-found"}))
    assert site.browser.get(PAGE).status_code == 404


# -- the approver's batch (R-CRS-6) ---------------------------------------------------------

def _reviewer_batch(site) -> None:
    site.sign_in(["reviewer"], authority="TPE")
    site.api.answer("GET", "/api/courses/amendments/batches/2026-04", Answer(200, BATCH))
    site.api.answer("GET", f"/api/courses/{COURSE_ID}", Answer(200, COURSE))


def test_a_reviewer_reads_the_months_batch_with_each_change(site) -> None:
    _reviewer_batch(site)
    html = site.text("/reviewer/amendments?month=2026-04")
    [call] = site.api.to("GET", "/api/courses/amendments/batches/2026-04")
    assert call.params is None  # a reviewer's approver is their authority: the API's
    assert "防災教育研習" in html and "2026-000123" in html and "課程實際只進行半天" in html
    assert "逾期" in html and "民國 115 年 5 月 5 日" in html
    assert f"/reviewer/amendments/{AMENDMENT_ID}/decision" in html
    assert 'href="/reviewer/amendments"' in html  # the menu


def test_the_month_must_be_a_month_before_anything_is_asked(site) -> None:
    _reviewer_batch(site)
    answer = site.browser.get("/reviewer/amendments?month=2026-4x")
    assert 'id="month-error"' in answer.get_data(as_text=True)
    assert not [c for c in site.api.calls if "/amendments/batches/" in c.path]


def test_approving_sends_the_reference_and_comes_back_to_the_month(site) -> None:
    _reviewer_batch(site)
    decision = f"/api/courses/amendments/{AMENDMENT_ID}/decision"
    site.api.answer("POST", decision, Answer(200, {**AMENDMENT, "status": "approved"}))
    token = site.csrf("/reviewer/amendments?month=2026-04")
    answer = site.browser.post(f"/reviewer/amendments/{AMENDMENT_ID}/decision", data={
        "csrf_token": token, "decision": "approve", "reference": "北市教師字第1150001號",
        "comment": "", "month": "2026-04"})
    assert answer.headers["Location"] == "/reviewer/amendments?month=2026-04"
    [call] = site.api.to("POST", decision)
    assert call.json == {"decision": "approve", "reference": "北市教師字第1150001號",
                         "comment": None}


def test_an_approval_without_reference_is_said_beside_it_with_the_comment_kept(site) -> None:
    _reviewer_batch(site)
    site.api.answer("POST", f"/api/courses/amendments/{AMENDMENT_ID}/decision", Answer(422, {
        "type": "urn:inservice:problem:reference-required"}))
    token = site.csrf("/reviewer/amendments?month=2026-04")
    answer = site.browser.post(f"/reviewer/amendments/{AMENDMENT_ID}/decision", data={
        "csrf_token": token, "decision": "approve", "reference": "", "comment": "同意",
        "month": "2026-04"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert f'id="reference-{AMENDMENT_ID}-error"' in html and "須填寫核准公文文號" in html
    assert ">同意</textarea>" in html


def test_an_amendment_routed_elsewhere_is_the_404_page(site) -> None:
    _reviewer_batch(site)
    site.api.answer("POST", f"/api/courses/amendments/{AMENDMENT_ID}/decision", Answer(404, {
        "type": "urn:inservice:problem:amendment-not-found"}))
    token = site.csrf("/reviewer/amendments?month=2026-04")
    answer = site.browser.post(f"/reviewer/amendments/{AMENDMENT_ID}/decision", data={
        "csrf_token": token, "decision": "reject", "month": "2026-04"})
    assert answer.status_code == 404


def test_an_operator_reads_any_approvers_batch_and_the_routes(site) -> None:
    site.sign_in(["operator"])
    site.api.answer("GET", "/api/courses/amendments/batches/2026-04",
                    Answer(200, {**BATCH, "approver": "NETWORK", "requests": []}))
    site.api.answer("GET", "/api/courses/amendment-routes", Answer(200, [
        {"category": "legal_entity", "approver": "network"}]))
    html = site.text("/operator/amendments?month=2026-04&approver=NETWORK")
    [call] = site.api.to("GET", "/api/courses/amendments/batches/2026-04")
    assert call.params == {"approver": "NETWORK"}
    assert "legal_entity" in html and "本月沒有異動申請" in html
    assert "/operator/amendments" in site.text("/operator")


def test_the_amendment_pages_are_the_404_page_for_other_roles(site) -> None:
    for roles, pages in ((["teacher"], (PAGE, "/reviewer/amendments", "/operator/amendments",
                                        "/reviewer/meeting-report")),
                         (["business"], ("/reviewer/amendments", "/operator/amendments",
                                         "/operator/meeting-report")),
                         (["reviewer"], (PAGE, "/operator/amendments",
                                         "/operator/meeting-report")),
                         (["viewer"], ("/reviewer/amendments", "/operator/amendments"))):
        site.sign_in(roles, unit="353301", authority="TPE")
        for page in pages:
            assert site.browser.get(page).status_code == 404, (roles, page)
    assert not [call for call in site.api.calls if call.path != "/api/courses/marquee"]


def test_the_forms_without_their_csrf_token_are_refused(site) -> None:
    _closed_course(site)
    answer = site.browser.post(PAGE, data={"changes-place": "x", "reason": "y"})
    assert answer.status_code in (400, 403)
    _reviewer_batch(site)
    answer = site.browser.post(f"/reviewer/amendments/{AMENDMENT_ID}/decision",
                               data={"decision": "reject"})
    assert answer.status_code in (400, 403)
    assert not [call for call in site.api.calls if call.method == "POST"]


# -- the meeting-name report (R-CRS-10) -------------------------------------------------------

def test_a_reviewer_reads_the_report_with_meeting_only_titles_apart(site) -> None:
    site.sign_in(["reviewer"], authority="TPE")
    site.api.answer("GET", "/api/courses/meeting-report", Answer(200, REPORT))
    html = site.text("/reviewer/meeting-report?from=2026-08-01&to=2027-07-31")
    [call] = site.api.to("GET", "/api/courses/meeting-report")
    assert call.params == {"from": "2026-08-01", "to": "2027-07-31"}
    only = html.index("只是會議名稱的標題")
    assert html.index("115學年度第1學期期初校務會議") > only > 0
    assert html.index("校務會議與防災研習") > html.index("其他含會議名稱的標題")
    assert f'href="/reviewer/courses/{COURSE_ID}"' in html
    assert 'href="/reviewer/meeting-report"' in html  # the menu


def test_an_operator_filters_by_authority_and_the_apis_errors_are_beside_the_dates(site) -> None:
    site.sign_in(["operator"])
    site.api.answer("GET", "/api/courses/meeting-report", Answer(422, {
        "type": "urn:inservice:problem:period-too-long",
        "errors": {"to": ["at most 400 days after from"]}}))
    answer = site.browser.get("/operator/meeting-report?from=2025-01-01&to=2027-01-01"
                              "&authority=KHH")
    html = answer.get_data(as_text=True)
    [call] = site.api.to("GET", "/api/courses/meeting-report")
    assert call.params == {"from": "2025-01-01", "to": "2027-01-01", "authority": "KHH"}
    assert answer.status_code == 422 and 'id="to-error"' in html
    assert 'value="2025-01-01"' in html and 'value="KHH"' in html
    assert "期間最長 400 天" in html


def test_a_ministry_viewer_reads_the_report_from_the_menu(site) -> None:
    site.sign_in(["viewer"])
    site.api.answer("GET", "/api/courses/meeting-report", Answer(200, REPORT))
    html = site.text("/operator/meeting-report")
    assert 'href="/operator/meeting-report"' in html and "校務會議與防災研習" in html
    [call] = site.api.to("GET", "/api/courses/meeting-report")
    assert set(call.params) == {"from", "to"}  # the school year by default


def test_a_listed_walk_ins_new_hours_go_as_a_walk_in_and_a_refusal_keeps_the_form(site) -> None:
    _closed_course(site)
    listed = {**ATTENDANCE, "attendees": [{"account_id": WALK_IN, "hours": 6.0,
                                           "walk_in": True}]}
    site.api.answer("GET", f"/api/courses/{COURSE_ID}/attendance", Answer(200, listed))
    site.api.answer("POST", f"/api/courses/{COURSE_ID}/amendments", Answer(409, {
        "type": "urn:inservice:problem:no-approver", "category": "legal_entity"}))
    token = site.csrf(PAGE)
    answer = site.browser.post(PAGE, data={
        "csrf_token": token, "listed": [WALK_IN], "listed_walk_in": [WALK_IN],
        f"hours-{WALK_IN}": "4.5", "remove": [SEATED], "reason": "更正時數"})
    [call] = site.api.to("POST", f"/api/courses/{COURSE_ID}/amendments")
    assert call.json["changes"] == {"attendees": [{"account_id": WALK_IN, "hours": "4.5",
                                                   "walk_in": True}]}  # SEATED is not listed
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "尚未設定異動核准單位" in html
    assert 'value="4.5"' in html and "更正時數" in html
