"""Issue 14 point 4 (R-CRS-14): the digital-material and distance-course review pages on
fakes of the API — a university submits, attaches and resubmits after "revise"; an
operator assigns the three reviewers; an assigned reviewer scores, seeing only what the
API shows them; anyone reads the passed list."""
from __future__ import annotations

import io

from web.api import Answer

CASE_ID = "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"
FILE_ID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
ME = "11111111-2222-4333-8444-555555555555"
OTHER = "99999999-2222-4333-8444-555555555555"
SIGNED_IN = "account-1"  # the fake sso's account (web_fakes.access_token)
CASE = {"id": CASE_ID, "unit_code": "U0001", "status": "in_review", "round": 1,
        "title": "數位閱讀教學", "kind": "digital_material", "description": "線上課程",
        "hours": 6.0, "subject_area": "語文", "links": ["https://example.edu.tw/course"],
        "submitted_at": "2026-11-02T02:00:00+00:00",
        "attachments": [{"id": FILE_ID, "filename": "課程計畫.pdf", "media_type": "application/pdf",
                         "size": 2048, "sha256": "x", "uploaded_at": "2026-11-02T02:00:00+00:00"}],
        "rounds": [{"round": 1, "submitted_at": "2026-11-02T02:00:00+00:00",
                    "title": "數位閱讀教學", "result": None, "mean": None, "decided_on": None,
                    "assigned": ["subject", "digital_learning", "serving_teacher"],
                    "scored": ["subject", "digital_learning"], "reviews": []}]}
CASE_PATH = f"/api/courses/materials/{CASE_ID}"


def case_with(**changes):
    return {**CASE, **changes}


def test_anyone_reads_the_passed_list_filtered_by_kind(site) -> None:
    site.api.answer("GET", "/api/courses/materials/passed", Answer(200, {
        "items": [{"id": CASE_ID, "unit_code": "U0001", "unit_name": "國立臺灣師範大學",
                   "title": "數位閱讀教學", "kind": "distance", "hours": 6.0,
                   "subject_area": "語文", "round": 1, "decided_on": "2026-11-20"}],
        "total": 1, "page": 1, "per_page": 20}))
    assert 'href="/courses/materials"' in site.text("/")
    page = site.text("/courses/materials?kind=distance")
    assert "國立臺灣師範大學" in page and "遠距教學課程" in page and "民國 115 年 11 月 20 日" in page
    [sent] = site.api.to("GET", "/api/courses/materials/passed")
    assert sent.params == {"kind": "distance"} and sent.token is None
    site.text("/courses/materials?kind=../../x")
    assert site.api.to("GET", "/api/courses/materials/passed")[-1].params == {}


def test_a_university_submits_a_case_and_is_taken_to_it(site) -> None:
    site.api.answer("POST", "/api/courses/materials", Answer(201, case_with(status="submitted")))
    site.api.answer("GET", CASE_PATH, Answer(200, case_with(status="submitted")))
    site.sign_in(["business"], unit="U0001")
    token = site.csrf("/organiser/materials/new")
    answer = site.browser.post("/organiser/materials/new", data={
        "csrf_token": token, "title": "數位閱讀教學", "kind": "digital_material",
        "description": "線上課程", "hours": "6", "subject_area": "語文",
        "links": "https://example.edu.tw/course\r\n\r\nhttps://example.edu.tw/b\r\n"})
    assert answer.status_code == 302 and answer.headers["Location"] == f"/organiser/materials/{CASE_ID}"
    [sent] = site.api.to("POST", "/api/courses/materials")
    assert sent.json == {"title": "數位閱讀教學", "kind": "digital_material",
                         "description": "線上課程", "hours": "6", "subject_area": "語文",
                         "links": ["https://example.edu.tw/course", "https://example.edu.tw/b"]}
    page = site.text(f"/organiser/materials/{CASE_ID}")
    assert "審查案已送出" in page and "課程計畫.pdf" in page and 'name="file"' in page
    assert "審查委員</th>" not in page  # the university never learns who reviews


def test_a_refused_case_shows_the_errors_beside_the_fields_and_keeps_what_was_typed(site) -> None:
    site.api.answer("POST", "/api/courses/materials", Answer(422, {
        "type": "urn:inservice:problem:validation-failed",
        "errors": {"hours": ["more than 0 and at most 999.9, one decimal"],
                   "links": {"0": ["Not a valid URL."]}}}))
    site.sign_in(["business"], unit="U0001")
    token = site.csrf("/organiser/materials/new")
    answer = site.browser.post("/organiser/materials/new", data={
        "csrf_token": token, "title": "數位閱讀教學", "kind": "distance", "description": "x",
        "hours": "6.25", "subject_area": "語文", "links": "ftp://example"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="hours-error"' in html and 'aria-describedby="hours-error"' in html
    assert 'id="links-error"' in html and "ftp://example</textarea>" in html
    assert 'value="6.25"' in html and '<option value="distance" selected>' in html
    assert 'inputmode="decimal"' in html  # the field's attributes, written as they are


def test_a_university_that_is_not_a_teacher_education_university_is_told_so(site) -> None:
    site.api.answer("POST", "/api/courses/materials", Answer(403, {
        "type": "urn:inservice:problem:not-teacher-education-university"}))
    site.sign_in(["business"], unit="353301")
    token = site.csrf("/organiser/materials/new")
    answer = site.browser.post("/organiser/materials/new", data={
        "csrf_token": token, "title": "x", "kind": "distance", "description": "x",
        "hours": "1", "subject_area": "x", "links": ""})
    assert answer.status_code == 403 and "師資培育之大學" in answer.get_data(as_text=True)


def test_a_university_uploads_a_file_to_its_case(site) -> None:
    site.api.answer("GET", CASE_PATH, Answer(200, CASE))
    site.api.answer("POST", CASE_PATH + "/attachments", Answer(201, CASE["attachments"][0]))
    site.sign_in(["business"], unit="U0001")
    token = site.csrf(f"/organiser/materials/{CASE_ID}")
    answer = site.browser.post(f"/organiser/materials/{CASE_ID}/files", data={
        "csrf_token": token, "file": (io.BytesIO(b"%PDF-1.4\n"), "課程計畫.pdf")},
        content_type="multipart/form-data")
    assert answer.status_code == 302
    [sent] = site.api.to("POST", CASE_PATH + "/attachments")
    assert sent.files["file"][0] == "課程計畫.pdf" and sent.files["file"][1] == b"%PDF-1.4\n"


def test_a_file_is_always_a_download(site) -> None:
    site.api.answer("GET", f"{CASE_PATH}/attachments/{FILE_ID}", Answer(
        200, None, b"%PDF-1.4\n", {"Content-Disposition": "inline"}))
    site.sign_in(["reviewer"])
    answer = site.browser.get(f"/courses/materials/{CASE_ID}/files/{FILE_ID}")
    assert answer.status_code == 200 and answer.headers["Content-Disposition"] == "attachment"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert site.browser.get(f"/courses/materials/{CASE_ID}/files/..%2F..").status_code == 404


def test_a_case_sent_back_is_resubmitted_with_its_fields(site) -> None:
    revised = case_with(status="revise", rounds=[{
        **CASE["rounds"][0], "result": "revise", "mean": 64.67, "decided_on": "2026-11-20",
        "scored": ["subject", "digital_learning", "serving_teacher"], "reviews": [
            {"role": "subject", "role_label": "學科", "reviewer_id": None, "score": 60,
             "comment": "請補充評量設計", "scored_at": None}]}])
    site.api.answer("GET", CASE_PATH, Answer(200, revised))
    site.api.answer("POST", CASE_PATH + "/resubmission", Answer(200, case_with(round=2)))
    site.sign_in(["business"], unit="U0001")
    page = site.text(f"/organiser/materials/{CASE_ID}")
    assert "修正後再審" in page and "64.67" in page and "請補充評量設計" in page
    assert "審查委員</th>" not in page  # scores by role only: never who gave them
    assert f'action="/organiser/materials/{CASE_ID}/resubmission"' in page
    assert 'value="數位閱讀教學"' in page  # the form starts with the case's fields
    token = site.csrf(f"/organiser/materials/{CASE_ID}")
    answer = site.browser.post(f"/organiser/materials/{CASE_ID}/resubmission", data={
        "csrf_token": token, "title": "數位閱讀教學（修正版）", "kind": "digital_material",
        "description": "補充評量設計", "hours": "6", "subject_area": "語文",
        "links": "https://example.edu.tw/course"})
    assert answer.status_code == 302
    assert site.api.to("POST", CASE_PATH + "/resubmission")[0].json["title"] == "數位閱讀教學（修正版）"


def test_resubmitting_a_case_not_sent_back_says_why_and_keeps_the_fields(site) -> None:
    site.api.answer("GET", CASE_PATH, Answer(200, case_with(status="revise")))
    site.api.answer("POST", CASE_PATH + "/resubmission", Answer(409, {
        "type": "urn:inservice:problem:case-not-revisable"}))
    site.sign_in(["business"], unit="U0001")
    token = site.csrf(f"/organiser/materials/{CASE_ID}")
    answer = site.browser.post(f"/organiser/materials/{CASE_ID}/resubmission", data={
        "csrf_token": token, "title": "新標題", "kind": "digital_material", "description": "x",
        "hours": "6", "subject_area": "語文", "links": ""})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 409 and "本案並未退回修正" in html and 'value="新標題"' in html


def test_an_operator_assigns_three_reviewers_by_account_id(site) -> None:
    site.api.answer("GET", CASE_PATH, Answer(200, case_with(status="submitted", rounds=[
        {**CASE["rounds"][0], "assigned": [], "scored": [], "reviews": [
            {"role": role, "role_label": "", "reviewer_id": None, "score": None,
             "comment": None, "scored_at": None}
            for role in ("subject", "digital_learning", "serving_teacher")]}])))
    site.api.answer("PUT", CASE_PATH + "/reviewers", Answer(200, CASE))
    site.sign_in(["operator"])
    assert 'href="/operator/materials"' in site.text("/")
    page = site.text(f"/operator/materials/{CASE_ID}")
    assert 'id="subject"' in page and 'id="serving_teacher"' in page
    token = site.csrf(f"/operator/materials/{CASE_ID}")
    answer = site.browser.post(f"/operator/materials/{CASE_ID}/reviewers", data={
        "csrf_token": token, "subject": ME, "digital_learning": OTHER,
        "serving_teacher": " 22222222-2222-4333-8444-555555555555 "})
    assert answer.status_code == 302
    assert site.api.to("PUT", CASE_PATH + "/reviewers")[0].json == {
        "subject": ME, "digital_learning": OTHER,
        "serving_teacher": "22222222-2222-4333-8444-555555555555"}


def test_the_same_reviewer_twice_is_refused_and_the_ids_stay(site) -> None:
    site.api.answer("GET", CASE_PATH, Answer(200, case_with(status="submitted")))
    site.api.answer("PUT", CASE_PATH + "/reviewers", Answer(422, {
        "type": "urn:inservice:problem:reviewers-not-distinct"}))
    site.sign_in(["operator"])
    token = site.csrf(f"/operator/materials/{CASE_ID}")
    answer = site.browser.post(f"/operator/materials/{CASE_ID}/reviewers", data={
        "csrf_token": token, "subject": ME, "digital_learning": ME, "serving_teacher": ""})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "三個不同的帳號" in html and f'value="{ME}"' in html


def test_a_reviewer_scores_and_sees_no_other_score_before_the_decision(site) -> None:
    """Independence: the page shows the reviews as the API answers them — the reviewer's
    own, and only which roles have scored."""
    mine = {"role": "digital_learning", "role_label": "數位學習", "reviewer_id": SIGNED_IN,
            "score": 75, "comment": "結構清楚", "scored_at": "2026-11-10T02:00:00+00:00"}
    site.api.answer("GET", CASE_PATH, Answer(200, case_with(rounds=[
        {**CASE["rounds"][0], "reviews": [mine]}])))
    site.api.answer("PUT", CASE_PATH + "/score", Answer(200, CASE))
    site.sign_in(["reviewer"])
    page = site.text(f"/reviewer/materials/{CASE_ID}")
    assert 'value="75"' in page and "結構清楚" in page and "數位學習專業委員" in page
    assert "已評分：領域專業委員、數位學習專業委員" in page
    token = site.csrf(f"/reviewer/materials/{CASE_ID}")
    answer = site.browser.post(f"/reviewer/materials/{CASE_ID}/score", data={
        "csrf_token": token, "score": "80", "comment": "結構清楚，評量完整"})
    assert answer.status_code == 302
    assert site.api.to("PUT", CASE_PATH + "/score")[0].json == {
        "score": 80, "comment": "結構清楚，評量完整"}


def test_a_score_out_of_range_is_shown_beside_the_score(site) -> None:
    mine = {"role": "subject", "role_label": "學科", "reviewer_id": SIGNED_IN, "score": None,
            "comment": None, "scored_at": None}
    site.api.answer("GET", CASE_PATH, Answer(200, case_with(rounds=[
        {**CASE["rounds"][0], "reviews": [mine]}])))
    site.api.answer("PUT", CASE_PATH + "/score", Answer(422, {
        "type": "urn:inservice:problem:score-out-of-range",
        "errors": {"score": ["a whole number from 0 to 100"]}}))
    site.sign_in(["reviewer"])
    token = site.csrf(f"/reviewer/materials/{CASE_ID}")
    answer = site.browser.post(f"/reviewer/materials/{CASE_ID}/score", data={
        "csrf_token": token, "score": "101", "comment": "很好"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'id="score-error"' in html
    assert 'value="101"' in html and "很好</textarea>" in html and "0 到 100 的整數" in html


def test_a_case_the_api_does_not_show_is_the_404_page(site) -> None:
    site.api.answer("GET", CASE_PATH, Answer(404, {"type": "urn:inservice:problem:case-not-found"}))
    site.sign_in(["reviewer"])
    assert site.browser.get(f"/reviewer/materials/{CASE_ID}").status_code == 404
    assert site.browser.get("/reviewer/materials/not-a-uuid").status_code == 404


def test_the_material_pages_are_the_404_page_for_other_roles(site) -> None:
    for roles, pages in ((["teacher"], ("/organiser/materials", "/operator/materials",
                                        "/reviewer/materials", f"/reviewer/materials/{CASE_ID}")),
                         (["business"], ("/operator/materials", "/reviewer/materials")),
                         (["reviewer"], ("/organiser/materials/new", "/operator/materials")),
                         (["viewer"], ("/organiser/materials", "/reviewer/materials",
                                       f"/courses/materials/{CASE_ID}/files/{FILE_ID}"))):
        site.sign_in(roles, unit="U0001", authority="TPE")
        for page in pages:
            assert site.browser.get(page).status_code == 404, (roles, page)
    assert all("/materials" not in call.path for call in site.api.calls)


def test_a_score_without_its_csrf_token_is_refused(site) -> None:
    site.sign_in(["reviewer"])
    answer = site.browser.post(f"/reviewer/materials/{CASE_ID}/score",
                               data={"score": "80", "comment": "x"})
    assert answer.status_code in (400, 403) and not site.api.to("PUT", CASE_PATH + "/score")
