"""Issue 14 point 3 (R-CRS-13): the planning pages on fakes of the API — a teacher's own
plan beside the school's, the school-based plan form with rows added without script, the
teachers' summary, and the submitted plans for reviewers and operators. The API's answers
go in; what the page sends, shows and keeps comes out."""
from __future__ import annotations

from datetime import date

from web.api import Answer
from web.pages.plans import current_school_year

WINDOW_OPEN = {"opens_on": "2026-09-04", "closes_on": "2026-09-29", "open": True}
WINDOW_SHUT = {"opens_on": "2026-09-04", "closes_on": "2026-09-29", "open": False}
SCHOOL_PLAN = {
    "unit_code": "353301", "unit_name": "臺北市立建國高級中學", "school_year": 115,
    "status": "submitted", "version": 2, "themes": ["閱讀素養", "防災教育"],
    "courses": [{"title": "閱讀策略工作坊", "hours": 3.0, "month": "2026-10", "tags": ["reading"],
                 "tag_labels": ["閱讀教育"], "theme": "閱讀素養", "target": "senior_high",
                 "target_label": "高中教師"}],
    "hours_per_teacher": 18.0, "course_hours": 3.0, "budget": [
        {"item": "講師鐘點費", "amount": 12000, "source": "教育部補助"}],
    "budget_total": 12000, "submitted_at": "2026-08-20T02:00:00+00:00",
    "updated_at": "2026-08-20T02:00:00+00:00", "window": WINDOW_OPEN, "editable": True}
MY_PLAN = {"school_year": 115, "unit_code": "353301", "unit_name": "臺北市立建國高級中學",
           "window": WINDOW_OPEN, "editable": True, "school_plan": SCHOOL_PLAN,
           "plan": {"school_year": 115, "unit_code": "353301", "goals": ["精進閱讀教學"],
                    "courses": [{"title": "閱讀策略工作坊", "hours": 3.0, "month": "2026-10",
                                 "tags": [], "tag_labels": [], "theme": "閱讀素養"}],
                    "hours": 3.0, "version": 4, "created_at": "2026-09-05T01:00:00+00:00",
                    "updated_at": "2026-09-06T01:00:00+00:00"}}
ME = "/api/courses/plans/115/me"
SCHOOL = "/api/courses/plans/115/schools/353301"


def test_the_school_year_follows_the_roc_rule_from_august() -> None:
    assert current_school_year(date(2026, 8, 1)) == 115
    assert current_school_year(date(2027, 7, 31)) == 115
    assert current_school_year(date(2026, 7, 31)) == 114


def test_a_teacher_sees_their_schools_submitted_plan_and_their_own_plan(site) -> None:
    site.api.answer("GET", ME, Answer(200, MY_PLAN))
    site.sign_in(["teacher"])
    assert 'href="/my/plan"' in site.text("/")
    page = site.text("/my/plan?year=115")
    assert "我的研習規劃" in page and "115 學年度" in page
    assert "閱讀素養" in page and "講師鐘點費" in page  # the school's plan, read-only
    assert 'value="精進閱讀教學"' in page and 'value="閱讀策略工作坊"' in page
    assert 'value="4"' in page  # the version read, sent back with the save
    assert "民國 115 年 9 月 4 日" in page  # the window, as the seed writes days
    assert '<option value="2026-10" selected>民國 115 年 10 月</option>' in page
    assert 'href="/my/plan?year=114"' in page and 'href="/my/plan?year=116"' in page
    assert site.browser.get("/my/plan?year=abc").status_code == 404


def test_saving_a_teachers_plan_sends_the_filled_rows_and_the_version(site) -> None:
    site.api.answer("GET", ME, Answer(200, MY_PLAN))
    site.api.answer("PUT", ME, Answer(200, MY_PLAN["plan"]))
    site.sign_in(["teacher"])
    token = site.csrf("/my/plan?year=115")
    answer = site.browser.post("/my/plan?year=115", data={
        "csrf_token": token, "action": "save", "version": "4", "goals_rows": "3",
        "goals-0": "精進閱讀教學", "goals-1": "", "goals-2": " 學習差異化教學 ",
        "courses_rows": "2", "courses-0-title": "", "courses-0-hours": "",
        "courses-1-title": "差異化教學", "courses-1-hours": "6", "courses-1-month": "2027-03",
        "courses-1-theme": "閱讀素養", "courses-1-tags": ["reading", "gender"]})
    assert answer.status_code == 302 and answer.headers["Location"] == "/my/plan?year=115"
    [sent] = site.api.to("PUT", ME)
    assert sent.json == {"goals": ["精進閱讀教學", "學習差異化教學"], "version": 4, "courses": [
        {"title": "差異化教學", "hours": "6", "month": "2027-03", "tags": ["reading", "gender"],
         "theme": "閱讀素養"}]}
    assert "你的研習規劃已儲存" in site.text("/my/plan?year=115")


def test_the_apis_errors_are_beside_the_rows_and_what_was_typed_stays(site) -> None:
    """Bad input: the API's 422 per row, in Chinese, linked to its field for screen readers;
    blank rows are left out, so the API's row numbers are the rows shown."""
    site.api.answer("GET", ME, Answer(200, MY_PLAN))
    site.api.answer("PUT", ME, Answer(422, {
        "type": "urn:inservice:problem:validation-failed",
        "errors": {"courses": {"0": {"hours": ["Not a valid number."]}},
                   "courses.0.month": ["a month of school year 115"]}}))
    site.sign_in(["teacher"])
    token = site.csrf("/my/plan?year=115")
    answer = site.browser.post("/my/plan?year=115", data={
        "csrf_token": token, "action": "save", "version": "4", "goals_rows": "1",
        "goals-0": "", "courses_rows": "2", "courses-0-title": "",
        "courses-1-title": "差異化教學", "courses-1-hours": "六", "courses-1-month": "2027-03"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="courses-0-hours-error"' in html and "請填數字" in html
    assert 'aria-describedby="courses-0-hours-error"' in html
    assert 'id="courses-0-month-error"' in html
    assert 'value="差異化教學"' in html and 'value="六"' in html


def test_outside_the_window_the_form_is_read_only_with_the_windows_days(site) -> None:
    site.api.answer("GET", ME, Answer(200, {**MY_PLAN, "window": WINDOW_SHUT,
                                            "editable": False}))
    site.api.answer("PUT", ME, Answer(409, {
        "type": "urn:inservice:problem:plan-window-closed", "plan": "teacher",
        "school_year": 115, "window": {"opens_on": "2026-09-04", "closes_on": "2026-09-29"},
        "today": "2026-10-01"}))
    site.sign_in(["teacher"])
    page = site.text("/my/plan?year=115")
    assert "disabled" in page and "唯讀" in page and "民國 115 年 9 月 29 日" in page
    assert "儲存我的規劃" not in page and "增加列數" not in page
    assert 'value="精進閱讀教學"' in page and 'name="goals-1"' not in page  # no blank rows
    token = site.csrf("/my/plan?year=115")
    refused = site.browser.post("/my/plan?year=115", data={
        "csrf_token": token, "action": "save", "goals_rows": "1", "goals-0": "新目標",
        "courses_rows": "0"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "規劃期間已結束" in html and 'value="新目標"' in html


def test_adding_rows_sends_nothing_and_keeps_what_was_typed(site) -> None:
    site.api.answer("GET", SCHOOL, Answer(200, {**SCHOOL_PLAN, "status": "draft"}))
    site.sign_in(["business"], unit="353301")
    token = site.csrf("/organiser/plan?year=115")
    answer = site.browser.post("/organiser/plan?year=115", data={
        "csrf_token": token, "action": "more_courses", "themes_rows": "1", "themes-0": "閱讀素養",
        "courses_rows": "1", "courses-0-title": "新課程", "budget_rows": "0",
        "hours_per_teacher": "18"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and not site.api.to("PUT", SCHOOL)
    assert 'value="新課程"' in html and 'name="courses-8-title"' in html  # 1 + 3 + 5 rows
    assert 'name="courses-9-title"' not in html


def test_blank_rows_stop_at_what_the_api_takes(site) -> None:
    site.api.answer("GET", ME, Answer(200, MY_PLAN))
    site.sign_in(["teacher"])
    token = site.csrf("/my/plan?year=115")
    html = site.browser.post("/my/plan?year=115", data={
        "csrf_token": token, "action": "more_goals", "goals_rows": "9",
        **{f"goals-{n}": f"目標{n}" for n in range(9)}, "courses_rows": "0"}).get_data(as_text=True)
    assert 'value="目標8"' in html and 'name="goals-9"' in html  # ten goals at most
    assert 'name="goals-10"' not in html


def test_a_school_saves_and_submits_its_plan(site) -> None:
    site.api.answer("GET", SCHOOL, Answer(200, {**SCHOOL_PLAN, "status": "draft"}))
    site.api.answer("PUT", SCHOOL, Answer(200, {**SCHOOL_PLAN, "status": "draft", "version": 3}))
    site.api.answer("POST", SCHOOL + "/submission", Answer(200, SCHOOL_PLAN))
    site.sign_in(["business"], unit="353301")
    page = site.text("/organiser/plan?year=115")
    assert 'value="講師鐘點費"' in page and 'value="12000"' in page and 'value="18"' in page
    token = site.csrf("/organiser/plan?year=115")
    answer = site.browser.post("/organiser/plan?year=115", data={
        "csrf_token": token, "action": "submit", "version": "2", "themes_rows": "2",
        "themes-0": "閱讀素養", "themes-1": "", "courses_rows": "1",
        "courses-0-title": "閱讀策略工作坊", "courses-0-hours": "3", "courses-0-month": "2026-10",
        "courses-0-theme": "閱讀素養", "courses-0-target": "senior_high",
        "courses-0-tags": "reading", "hours_per_teacher": "18", "budget_rows": "2",
        "budget-0-item": "講師鐘點費", "budget-0-amount": "12000", "budget-0-source": "教育部補助",
        "budget-1-item": "", "budget-1-amount": "", "budget-1-source": ""})
    assert answer.status_code == 302
    [saved] = site.api.to("PUT", SCHOOL)
    assert saved.json == {
        "themes": ["閱讀素養"], "hours_per_teacher": "18", "version": 2,
        "courses": [{"title": "閱讀策略工作坊", "hours": "3", "month": "2026-10",
                     "tags": ["reading"], "theme": "閱讀素養", "target": "senior_high"}],
        "budget": [{"item": "講師鐘點費", "amount": 12000, "source": "教育部補助"}]}
    assert len(site.api.to("POST", SCHOOL + "/submission")) == 1
    assert "學校規劃已送出" in site.text("/organiser/plan?year=115")


def test_an_incomplete_plan_is_saved_and_its_gaps_shown_beside_the_fields(site) -> None:
    site.api.answer("GET", SCHOOL, Answer(200, {**SCHOOL_PLAN, "status": "draft"}))
    site.api.answer("PUT", SCHOOL, Answer(200, {**SCHOOL_PLAN, "status": "draft", "version": 3}))
    site.api.answer("POST", SCHOOL + "/submission", Answer(409, {
        "type": "urn:inservice:problem:plan-incomplete",
        "errors": {"themes": ["at least one theme before submitting"],
                   "courses.0.target": ["a submitted plan names each course's target"],
                   "hours_per_teacher": ["the hours planned per teacher, before submitting"]}}))
    site.sign_in(["business"], unit="353301")
    token = site.csrf("/organiser/plan?year=115")
    answer = site.browser.post("/organiser/plan?year=115", data={
        "csrf_token": token, "action": "submit", "version": "2", "themes_rows": "1",
        "themes-0": "閱讀素養", "courses_rows": "1", "courses-0-title": "閱讀策略工作坊",
        "courses-0-hours": "3", "courses-0-month": "2026-10", "budget_rows": "0",
        "hours_per_teacher": ""})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 409 and "規劃尚未完整" in html
    assert 'id="courses-0-target-error"' in html and 'id="hours_per_teacher-error"' in html
    assert "送出前請選擇每門課程的研習對象" in html and "送出前請填每位教師規劃進修時數" in html
    assert '<fieldset aria-invalid="true" aria-describedby="themes-error">' in html
    assert 'id="themes-error">送出前至少要有一個主題。' in html
    assert 'name="version" value="3"' in html  # the draft's new version, for the next save


def test_a_unit_that_is_not_a_school_is_told_so(site) -> None:
    site.api.answer("GET", "/api/courses/plans/115/schools/A01", Answer(403, {
        "type": "urn:inservice:problem:not-a-school"}))
    site.sign_in(["business"], unit="A01")
    page = site.browser.get("/organiser/plan?year=115")
    assert page.status_code == 200 and "只有學校" in page.get_data(as_text=True)


def test_the_teachers_plans_summary(site) -> None:
    site.api.answer("GET", SCHOOL + "/teachers", Answer(200, {
        "unit_code": "353301", "unit_name": "臺北市立建國高級中學", "school_year": 115,
        "school_plan_status": "submitted", "window": WINDOW_OPEN, "teachers": 2,
        "with_plan": 1, "without_plan": 1, "hours_planned": 6.0,
        "hours_by_theme": [{"theme": None, "hours": 6.0, "teachers": 1, "courses": 1}],
        "hours_by_tag": [{"tag": "reading", "label": "閱讀教育", "hours": 6.0, "teachers": 1,
                          "courses": 1}],
        "teachers_with_plan": [{"account_id": "t1", "name": "王小明", "hours": 6.0, "courses": 1,
                                "updated_at": "2026-09-06T01:00:00+00:00"}],
        "teachers_without_plan": [{"account_id": "t2", "name": "李小華"}]}))
    site.sign_in(["business"], unit="353301")
    page = site.text("/organiser/plan/teachers?year=115")
    assert "王小明" in page and "李小華" in page and "閱讀教育" in page and "（未分主題）" in page


def test_a_reviewer_lists_the_authoritys_submitted_plans_and_reads_one(site) -> None:
    site.api.answer("GET", "/api/courses/plans/115/schools", Answer(200, {
        "school_year": 115, "authority_code": "TPE", "total": 1, "plans": [{
            "unit_code": "353301", "unit_name": "臺北市立建國高級中學", "authority_code": "TPE",
            "county_code": "TPE", "submitted_at": "2026-08-20T02:00:00+00:00",
            "themes": ["閱讀素養"], "courses": 1, "course_hours": 3.0,
            "hours_per_teacher": 18.0, "budget_total": 12000}]}))
    site.api.answer("GET", SCHOOL, Answer(200, SCHOOL_PLAN))
    site.sign_in(["reviewer"], authority="TPE")
    assert 'href="/reviewer/plans"' in site.text("/")
    listed = site.text("/reviewer/plans?year=115")
    assert 'href="/reviewer/plans/353301?year=115"' in listed and "12000" in listed
    page = site.text("/reviewer/plans/353301?year=115")
    assert "閱讀策略工作坊" in page and "高中教師" in page
    assert site.browser.get("/reviewer/plans/..%2Faccounts?year=115").status_code == 404
    site.api.answer("GET", "/api/courses/plans/115/schools/999999",
                    Answer(404, {"type": "urn:inservice:problem:plan-not-found"}))
    assert site.browser.get("/reviewer/plans/999999?year=115").status_code == 404


def test_an_operator_lists_one_authoritys_plans(site) -> None:
    site.api.answer("GET", "/api/courses/plans/115/schools", Answer(200, {
        "school_year": 115, "authority_code": "KHH", "total": 0, "plans": []}))
    site.sign_in(["operator"])
    page = site.text("/operator/plans?year=115&authority=KHH")
    [sent] = site.api.to("GET", "/api/courses/plans/115/schools")
    assert sent.params == {"authority": "KHH"} and "尚無學校送出" in page


def test_a_reviewer_without_an_authority_is_told_so(site) -> None:
    site.api.answer("GET", "/api/courses/plans/115/schools", Answer(403, {
        "type": "urn:inservice:problem:no-authority"}))
    site.sign_in(["reviewer"])
    assert "未指定主管機關" in site.text("/reviewer/plans?year=115")


def test_the_planning_pages_are_the_404_page_for_other_roles(site) -> None:
    for roles, pages in ((["business"], ("/my/plan", "/reviewer/plans", "/operator/plans")),
                         (["teacher"], ("/organiser/plan", "/organiser/plan/teachers",
                                        "/reviewer/plans", "/operator/plans/353301")),
                         (["reviewer"], ("/my/plan", "/organiser/plan", "/operator/plans")),
                         (["viewer"], ("/my/plan", "/organiser/plan", "/reviewer/plans"))):
        site.sign_in(roles, unit="353301", authority="TPE")
        for page in pages:
            assert site.browser.get(page).status_code == 404, (roles, page)
    assert not site.api.calls or all("/plans/" not in call.path for call in site.api.calls)


def test_a_plan_form_without_its_csrf_token_is_refused(site) -> None:
    site.sign_in(["teacher"])
    answer = site.browser.post("/my/plan?year=115", data={"action": "save", "goals_rows": "1",
                                                          "goals-0": "x"})
    assert answer.status_code in (400, 403) and not site.api.to("PUT", ME)
