"""R-WEB-1: the web client's pages for each role, through Flask's test client on fakes of
the API and the sso (tests/web_client/web_fakes.py). Expectations are written by hand: the API's
answers go in, the page's words, links and calls come out."""
from __future__ import annotations

import html as html_lib
import logging
import re
from pathlib import Path

from web.api import Answer
from web.sessions import COOKIE_NAME

COURSE_ID = "0b7c3f4e-1d2a-4c5b-9e8f-7a6b5c4d3e2f"
COURSE = {"id": COURSE_ID, "code": "2026-000123", "title": "防災教育研習", "status": "approved",
          "unit_code": "353301", "unit_name": "臺北市立建國高級中學",
          "starts_on": "2026-03-05", "ends_on": "2026-03-06",
          "hours": 6.0, "capacity": 40, "enrolled": 39, "waitlisted": 0,
          "place": "建國中學 視聽教室", "lecturers": ["王老師", "李老師"],
          "meetings": [{"date": "2026-03-05", "starts_at": "09:00:00", "ends_at": "12:00:00"}],
          "enrolment_opens_at": "2026-02-01T00:00:00+08:00",
          "enrolment_closes_at": "2026-03-01T00:00:00+08:00", "fairness": "first_come",
          "tags": ["disaster"], "attachments": [], "meeting_keywords": [], "category": "c1",
          "time_slot": "morning", "organiser_accepts": False, "reviews": []}


def course_with(**changes):
    return {**COURSE, **changes}


# -- languages, the frame of every page --------------------------------------------------

def test_pages_are_in_chinese_by_default_and_english_by_a_switch_that_stays(site) -> None:
    """R-WEB-1: zh-TW first; the switch is a cookie, so the next page is English too."""
    home = site.text("/")
    assert '<html lang="zh-Hant-TW">' in home
    assert "跳到主要內容" in home and 'href="#main"' in home  # the skip link
    assert "研習查詢" in home
    switched = site.browser.get("/lang/en?next=/courses")
    assert switched.status_code == 302 and switched.headers["Location"] == "/courses"
    assert "lang=en" in switched.headers["Set-Cookie"]
    page = site.text("/")
    assert '<html lang="en">' in page and "Find courses" in page and "研習查詢" not in page
    assert site.browser.get("/lang/en?next=//evil.example").headers["Location"] == "/"


def test_the_front_page_names_no_asset_from_elsewhere(site) -> None:
    """Issue 14 point 7: a closed network works: every script, style and icon is ours."""
    home = site.browser.get("/")
    html = home.get_data(as_text=True)
    assert "http://" not in html.replace("http://platform.test", "") and "https://" not in html
    assert "default-src 'self'" in home.headers["Content-Security-Policy"]
    with site.browser.get("/static/site.css") as stylesheet:  # a file: closed when read
        assert stylesheet.status_code == 200


# -- signing in and out ------------------------------------------------------------------

def test_sign_in_keeps_the_tokens_on_the_server_and_gives_the_browser_an_opaque_cookie(site) -> None:
    """Issue 14 point 1: code + PKCE; the browser holds an id, HttpOnly and SameSite=Lax."""
    started = site.browser.get("/auth/login?next=/my/enrolments")
    assert started.headers["Location"].startswith("http://sso.test/oauth/authorize?")
    assert "code_challenge_method=S256" in started.headers["Location"]
    before = site.browser.get_cookie(COOKIE_NAME).value
    code, state = site.provider.issue_code()
    back = site.browser.get("/auth/callback", query_string={"code": code, "state": state})
    assert back.status_code == 302 and back.headers["Location"] == "/my/enrolments"
    cookie = site.browser.get_cookie(COOKIE_NAME)
    assert cookie.value != before, "the session id did not change at sign-in"
    assert cookie.http_only and cookie.same_site == "Lax"
    [stored] = site.store.sessions.values()
    assert stored["tokens"]["access_token"] not in cookie.value
    assert stored["person"]["roles"] == ["teacher"]
    assert before not in site.store.sessions, "the id from before the sign-in still works"


def test_a_callback_with_another_state_or_no_sign_in_started_is_refused(site) -> None:
    site.browser.get("/auth/login")
    code, _state = site.provider.issue_code()
    refused = site.browser.get("/auth/callback", query_string={"code": code, "state": "forged"})
    assert refused.status_code == 400 and "登入未完成" in refused.get_data(as_text=True)
    assert "tokens" not in str(site.store.sessions)


def test_sign_in_never_sends_the_person_to_another_site(site) -> None:
    site.sign_in(["teacher"], next_page="//evil.example/x")
    assert site.browser.get("/auth/login?next=https://evil.example").status_code == 302
    [pending] = [s["pending_sign_in"] for s in site.store.sessions.values()
                 if "pending_sign_in" in s]
    assert pending["next"] == "/"


def test_an_expired_session_signs_in_again_and_comes_back_to_the_page(site) -> None:
    """Bad input: no session, or the sso says it ended: sign in, then back to the page."""
    answer = site.browser.get("/my/transcript?year=2026")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/auth/login?next=%2Fmy%2Ftranscript%3Fyear%3D2026"
    site.provider.lifetime = 10  # inside the refresh margin: every page refreshes
    site.sign_in(["teacher"])
    site.provider.refresh_fails = True
    site.api.answer("GET", "/api/courses/enrolments/me", Answer(200, []))
    ended = site.browser.get("/my/enrolments")
    assert ended.headers["Location"] == "/auth/login?next=%2Fmy%2Fenrolments"
    assert not any("tokens" in data for data in site.store.sessions.values())


def test_a_form_sent_after_the_session_ended_signs_in_and_comes_back_to_its_page(site) -> None:
    """Bad input: the session ended while the form was open (its token went with it): not
    the expired-form page, but sign-in and back to the page the form was on; the enrol
    script is told where to sign in."""
    site.sign_in(["teacher"])
    site.api.answer("GET", "/api/courses/plans/2026/me", Answer(200, {}))
    token = "a token of the session that ended"
    site.store.sessions.clear()  # the session's time is up
    posted = site.browser.post("/my/plan?year=2026", data={"csrf_token": token, "goals-0": "x"},
                               headers={"Referer": "http://platform.test/my/plan?year=2026"})
    assert posted.status_code == 302
    assert posted.headers["Location"] == "/auth/login?next=%2Fmy%2Fplan%3Fyear%3D2026"
    enrol = site.browser.post(f"/courses/{COURSE_ID}/enrolment",
                              data={"csrf_token": token, "back": f"/courses/{COURSE_ID}"},
                              headers={"Accept": "application/json"})
    assert enrol.status_code == 401
    assert enrol.json == {"sign_in": f"/auth/login?next=%2Fcourses%2F{COURSE_ID}"}
    elsewhere = site.browser.post("/my/plan", data={}, headers={"Referer": "https://elsewhere.test/x"})
    assert elsewhere.headers["Location"] == "/auth/login?next=%2Fx"
    assert not site.api.to("PUT", "/api/courses/plans/2026/me")


def test_a_token_about_to_expire_is_refreshed_before_the_call(site) -> None:
    site.provider.lifetime = 10
    site.sign_in(["teacher"])
    site.api.answer("GET", "/api/courses/enrolments/me", Answer(200, []))
    assert site.browser.get("/my/enrolments").status_code == 200
    assert site.provider.refreshed == 1
    [call] = site.api.to("GET", "/api/courses/enrolments/me")
    [stored] = [s for s in site.store.sessions.values() if "tokens" in s]
    assert call.token == stored["tokens"]["access_token"], "the call went with the old token"


def test_a_token_the_api_refuses_ends_the_session(site) -> None:
    site.sign_in(["teacher"])
    site.api.answer("GET", "/api/courses/enrolments/me",
                    Answer(401, {"type": "urn:inservice:problem:invalid-token"}))
    assert site.browser.get("/my/enrolments").headers["Location"].startswith("/auth/login")


def test_sign_out_ends_the_session_here_and_at_the_sso(site) -> None:
    """Issue 14 point 1: RP-initiated logout with the ID token as the hint."""
    site.sign_in(["teacher"])
    token = site.csrf("/")
    out = site.browser.post("/auth/logout", data={"csrf_token": token})
    assert out.headers["Location"] == "http://sso.test/logout?id_token_hint=id-token"
    assert not any("tokens" in data for data in site.store.sessions.values())


def test_every_form_needs_its_csrf_token(site) -> None:
    site.sign_in(["teacher"])
    refused = site.browser.post(f"/courses/{COURSE_ID}/enrolment", data={})
    assert refused.status_code == 400 and "表單已失效" in refused.get_data(as_text=True)
    assert not site.api.to("POST", f"/api/courses/{COURSE_ID}/enrolments")


def test_every_route_that_changes_something_refuses_a_form_without_its_token(site) -> None:
    """Issue 14, bad input: CSRF on every form, this one and any added later. Each route
    taking a POST is posted to, signed in with every role, without the token: the expired-form
    page, and the API never called."""
    site.sign_in(["teacher", "business", "reviewer", "operator", "admin"], unit="353301",
                 authority="TPE")
    posts = [rule for rule in site.app.url_map.iter_rules() if "POST" in (rule.methods or ())]
    assert len(posts) > 30  # every page's forms, not only the sign-out
    for rule in posts:
        path = rule.rule
        for argument in rule.arguments:
            path = path.replace(f"<{argument}>", "x1").replace(f"<path:{argument}>", "x1")
        path = re.sub(r"<[^>]+>", "x1", path)
        refused = site.browser.post(path, data={"title": "typed"})
        assert refused.status_code == 400, (path, refused.status_code)
        assert "表單已失效" in refused.get_data(as_text=True), path
    assert not [call for call in site.api.calls if call.method != "GET"]


def test_every_form_that_posts_carries_its_token() -> None:
    templates = Path(__file__).resolve().parents[2] / "web" / "templates"
    forms = [(page.name, form) for page in templates.rglob("*.html")
             for form in re.findall(r'<form[^>]*method="post"[^>]*>.*?</form>',
                                    page.read_text(encoding="utf-8"), re.S | re.I)]
    assert len(forms) > 30
    assert not [name for name, form in forms if "csrf" not in form]


# -- what a person may not see, and the API down -----------------------------------------

def test_a_page_of_another_role_is_the_404_page_in_the_persons_language(site) -> None:
    site.sign_in(["business"], unit="353301")
    for page in ("/my/enrolments", "/my/transcript", "/reviewer/queue/courses"):
        answer = site.browser.get(page)
        assert answer.status_code == 404, page
        assert "找不到網頁" in answer.get_data(as_text=True)
    site.browser.get("/lang/en")
    assert "Page not found" in site.text("/reviewer/queue/courses")


def test_a_course_the_api_does_not_show_is_the_404_page(site) -> None:
    site.api.answer("GET", f"/api/courses/{COURSE_ID}", Answer(404, {"type": "x:not-found"}))
    answer = site.browser.get(f"/courses/{COURSE_ID}")
    assert answer.status_code == 404 and "找不到網頁" in answer.get_data(as_text=True)
    assert site.browser.get("/courses/..%2Fvocabularies").status_code == 404


def test_the_api_down_gives_a_page_that_says_so(site) -> None:
    site.api.down = True
    answer = site.browser.get("/courses")
    assert answer.status_code == 503
    assert "系統暫時無法回應" in answer.get_data(as_text=True)
    assert "Traceback" not in answer.get_data(as_text=True)


# -- the teacher ---------------------------------------------------------------------------

def test_search_passes_every_parameter_on_and_shows_facets(site) -> None:
    """R-CRS-9: the page forwards each filter as given (repeated ones too) and shows the
    facet counts the API sends."""
    site.api.answer("GET", "/api/courses", Answer(200, {
        "items": [course_with(enrolled=10)], "page": 1, "per_page": 20, "total": 1,
        "facets": {"county": {"TPE": 3}, "tag": [{"value": "disaster", "count": 2}]}}))
    html = site.text("/courses?q=防災&tag=a&tag=b&lecturer=王&open_now=true&per_page=50")
    [call] = site.api.to("GET", "/api/courses")
    assert call.params == [("q", "防災"), ("tag", "a"), ("tag", "b"), ("lecturer", "王"),
                           ("open_now", "true"), ("per_page", "50")]
    assert "防災教育研習" in html and "共 1 門研習" in html
    assert "剩餘 30 名" in html
    assert "TPE" in html and "(3)" in html and "(2)" in html
    assert 'id="lecturer" name="lecturer" type="text" value="王"' in html
    assert "<details class=\"more-filters\" open>" in html, "an asked filter is folded away"
    assert 'name="per_page" value="50"' in html, "a parameter the form lacks was dropped"


def test_an_estimated_total_and_facets_are_said_as_about(site) -> None:
    """R-CRS-9 at national scale: a match too large to count exactly comes back with
    ``total_is_estimate`` and ``facets_approximate``; the page says "about", and an exact
    answer keeps its plain count."""
    site.api.answer("GET", "/api/courses", Answer(200, {
        "items": [course_with(enrolled=10)], "page": 1, "per_page": 20, "total": 240000,
        "total_is_estimate": True, "facets_approximate": True,
        "facets": {"county": {"TPE": 31000}}}))
    html = site.text("/courses?q=閱讀&include_past=true")
    assert "約 240000 門研習" in html and "共 240000 門研習" not in html
    assert "(約 31000)" in html
    site.api.answer("GET", "/api/courses", Answer(200, {
        "items": [course_with(enrolled=10)], "page": 1, "per_page": 20, "total": 12,
        "total_is_estimate": False, "facets_approximate": False,
        "facets": {"county": {"TPE": 12}}}))
    html = site.text("/courses?q=鯨")
    assert "共 12 門研習" in html and "約" not in html.split('id="results-heading"')[1][:80]
    assert "(12)" in html


def test_search_leaves_out_the_filters_the_form_sent_blank(site) -> None:
    """The form sends every field; the API refuses a blank county or date (422), so a
    blank one is no filter at all."""
    site.api.answer("GET", "/api/courses", Answer(200, {"items": [], "total": 0}))
    site.text("/courses?q=閱讀&county=&category=+&start_from=&open_now=true")
    [call] = site.api.to("GET", "/api/courses")
    assert call.params == [("q", "閱讀"), ("open_now", "true")]


def test_the_persons_address_is_passed_on_for_the_gateways_rate_limit(site) -> None:
    """Anonymous visitors are counted by their own address, not all by the web client's."""
    site.api.answer("GET", "/api/courses", Answer(200, {"items": [], "total": 0}))
    site.browser.get("/courses", headers={"X-Forwarded-For": "203.0.113.9"})
    [call] = site.api.to("GET", "/api/courses")
    assert call.headers["X-Forwarded-For"] == "203.0.113.9"


def test_a_filter_the_api_refuses_is_shown_beside_its_field(site) -> None:
    site.api.answer("GET", "/api/courses", Answer(422, {
        "type": "urn:inservice:problem:validation-failed",
        "errors": {"start_from": ["Not a valid date."]}}))
    html = site.text("/courses?start_from=yesterday")
    assert 'id="start_from-error">日期格式不正確。' in html
    assert 'aria-describedby="start_from-error"' in html
    assert 'value="yesterday"' in html


def test_the_course_page_shows_what_a_teacher_decides_on_in_roc_years(site) -> None:
    site.api.answer("GET", f"/api/courses/{COURSE_ID}", Answer(200, COURSE))
    html = site.text(f"/courses/{COURSE_ID}")
    for text in ("防災教育研習", "民國 115 年 3 月 5 日", "09:00–12:00", "建國中學 視聽教室",
                 "剩餘 1 名（共 40 名）", "王老師、李老師", "民國 115 年 2 月 1 日 00:00",
                 "臺北市立建國高級中學"):
        assert text in html, text
    assert "登入後報名" in html  # anonymous: no enrol button, a way to sign in
    site.browser.get("/lang/en")
    assert "2026-03-05" in site.text(f"/courses/{COURSE_ID}")


def _teacher_on_course(site, enrol_reply, detail_after=None):
    site.sign_in(["teacher"])
    details = [COURSE, detail_after or COURSE]
    site.api.answer("GET", f"/api/courses/{COURSE_ID}", lambda call: Answer(200, details[0]))
    site.api.answer("GET", "/api/courses/enrolments/me", Answer(200, []))
    token = site.csrf(f"/courses/{COURSE_ID}")
    details.pop(0)
    site.api.answer("POST", f"/api/courses/{COURSE_ID}/enrolments", enrol_reply)
    return token


def test_enrolling_answers_in_place_with_the_seat_count_read_after_the_answer(site) -> None:
    """Issue 14 point 3: the answer is the API's, and the seats shown agree with it."""
    token = _teacher_on_course(site, Answer(201, {"status": "enrolled", "arrival": 7}),
                               detail_after=course_with(enrolled=40))
    answer = site.browser.post(f"/courses/{COURSE_ID}/enrolment", data={"csrf_token": token},
                               headers={"Accept": "application/json"})
    assert answer.status_code == 200
    assert answer.json == {"ok": True, "status": "enrolled", "position": None, "problem": None,
                           "enrolled_now": True, "message": "已錄取", "seats_left": 0,
                           "enrolled": 40, "waitlisted": 0}


def test_a_full_course_never_shows_a_seat_left(site) -> None:
    token = _teacher_on_course(site, Answer(409, {"type": "urn:inservice:problem:course-full"}),
                               detail_after=course_with(enrolled=39))  # someone cancelled since
    answer = site.browser.post(f"/courses/{COURSE_ID}/enrolment", data={"csrf_token": token},
                               headers={"Accept": "application/json"})
    assert answer.status_code == 409
    assert answer.json["seats_left"] == 0 and answer.json["problem"] == "course-full"
    assert answer.json["message"] == "本研習已額滿，候補名額也已滿。"


def test_pressing_enrol_twice_says_already_enrolled_with_the_state(site) -> None:
    replies = [Answer(201, {"status": "waitlisted", "position": 3, "arrival": 43}),
               Answer(409, {"type": "urn:inservice:problem:already-enrolled",
                            "enrolment_status": "waitlisted"})]
    token = _teacher_on_course(site, lambda call: replies.pop(0))
    first = site.browser.post(f"/courses/{COURSE_ID}/enrolment", data={"csrf_token": token},
                              headers={"Accept": "application/json"})
    second = site.browser.post(f"/courses/{COURSE_ID}/enrolment", data={"csrf_token": token},
                               headers={"Accept": "application/json"})
    assert first.json["message"] == "候補第 3 位。"
    assert second.json["message"] == "您已報名：候補中。" and second.json["enrolled_now"]


def test_enrolling_without_script_comes_back_to_the_course_with_the_answer(site) -> None:
    token = _teacher_on_course(site, Answer(201, {"status": "applied", "arrival": 1}))
    answer = site.browser.post(f"/courses/{COURSE_ID}/enrolment", data={"csrf_token": token})
    assert answer.status_code == 302 and answer.headers["Location"] == f"/courses/{COURSE_ID}"
    assert "已登記抽籤" in site.text(f"/courses/{COURSE_ID}")


def test_a_full_answer_without_script_is_followed_by_a_page_with_no_seat_left(site) -> None:
    """The course page shown after the answer counts as the answer did, though a seat freed
    since (read once: the next view counts afresh)."""
    token = _teacher_on_course(site, Answer(409, {"type": "urn:inservice:problem:course-full"}),
                               detail_after=course_with(enrolled=39))
    answer = site.browser.post(f"/courses/{COURSE_ID}/enrolment", data={"csrf_token": token})
    assert answer.status_code == 302
    html = site.text(f"/courses/{COURSE_ID}")
    assert "本研習已額滿，候補名額也已滿。" in html and "剩餘 0 名（共 40 名）" in html
    assert "剩餘 1 名（共 40 名）" in site.text(f"/courses/{COURSE_ID}")


def _mine(n: int, status: str, fairness: str = "lottery", drawn_at: str | None = None,
          position: int | None = None) -> dict:
    return {"enrolment_id": f"e{n}", "course_id": f"c{n}", "code": f"2026-00000{n}",
            "title": f"研習 {n}", "starts_on": "2026-03-05", "status": status, "arrival": n,
            "position": position, "fairness": fairness,
            "closes_at": "2026-03-01T00:00:00+08:00", "drawn_at": drawn_at,
            "updated_at": "2026-02-01T00:00:00+08:00"}


def test_my_enrolments_say_applied_drawn_or_not_drawn_in_both_languages(site) -> None:
    """R-CRS-4 (issue 14 item 3): each enrolment's state — enrolled, waitlisted with its
    position, pending, applied to a lottery (drawn when), drawn or not."""
    drawn = "2026-03-01T00:05:00+08:00"
    site.sign_in(["teacher"])
    site.api.answer("GET", "/api/courses/enrolments/me", Answer(200, [
        _mine(1, "applied"), _mine(2, "enrolled", drawn_at=drawn),
        _mine(3, "pending", drawn_at=drawn), _mine(4, "not_drawn", drawn_at=drawn),
        _mine(5, "enrolled", "first_come"), _mine(6, "waitlisted", "first_come", position=2),
        _mine(7, "pending", "first_come")]))

    def states(html: str) -> list[str]:
        rows = re.findall(r"<tr>\s*<td><a href=\"/courses/c\d\">.*?</tr>", html, re.S)
        return [html_lib.unescape(re.sub(r"\s+", " ", re.findall(r"<td>(.*?)</td>", row,
                                                                  re.S)[-1]).strip())
                for row in rows]

    assert states(site.text("/my/enrolments")) == [
        "已登記抽籤，民國 115 年 3 月 1 日 00:00 抽籤", "抽籤錄取：已錄取",
        "抽籤錄取：待承辦單位審核", "未抽中", "已錄取", "候補中 (第 2 位)",
        "待承辦單位審核"]
    site.browser.get("/lang/en")
    assert states(site.text("/my/enrolments")) == [
        "Applied to the lottery, drawn at 2026-03-01 00:00", "Drawn in the lottery: enrolled",
        "Drawn in the lottery: pending the organiser's acceptance", "Not drawn in the lottery",
        "Enrolled", "On the waiting list (number 2)", "Pending the organiser's acceptance"]


def test_cancelling_twice_says_there_is_nothing_to_cancel_not_a_missing_page(site) -> None:
    replies = [Answer(200, {"status": "cancelled"}),
               Answer(404, {"type": "urn:inservice:problem:no-enrolment"})]
    token = _teacher_on_course(site, Answer(201, {"status": "enrolled"}))
    site.api.answer("DELETE", f"/api/courses/{COURSE_ID}/enrolments/me",
                    lambda call: replies.pop(0))
    first = site.browser.post(f"/courses/{COURSE_ID}/enrolment/cancel", data={"csrf_token": token})
    second = site.browser.post(f"/courses/{COURSE_ID}/enrolment/cancel", data={"csrf_token": token})
    assert first.status_code == second.status_code == 302
    html = site.text(f"/courses/{COURSE_ID}")
    assert "您在本研習沒有名額，無須取消。" in html and "找不到" not in html


def test_a_final_answer_is_said_on_the_course_page_with_no_button(site) -> None:
    """Issue 14 point 3: not drawn (or declined) is said where the teacher looks, and offers
    neither enrol (the API would refuse) nor cancel (there is nothing to cancel)."""
    site.sign_in(["teacher"])
    site.api.answer("GET", f"/api/courses/{COURSE_ID}",
                    Answer(200, course_with(fairness="lottery")))
    site.api.answer("GET", "/api/courses/enrolments/me", Answer(200, [
        {"course_id": COURSE_ID, "status": "not_drawn", "position": None}]))
    html = site.text(f"/courses/{COURSE_ID}")
    assert "您的報名狀態：未抽中。" in html and "本研習的結果已確定。" in html
    assert "/enrolment/cancel" not in html and f'action="/courses/{COURSE_ID}/enrolment"' not in html


def test_a_drawn_teacher_reads_that_the_lottery_gave_them_the_seat(site) -> None:
    site.sign_in(["teacher"])
    site.api.answer("GET", f"/api/courses/{COURSE_ID}",
                    Answer(200, course_with(fairness="lottery")))
    site.api.answer("GET", "/api/courses/enrolments/me", Answer(200, [
        {"course_id": COURSE_ID, "status": "enrolled", "position": None}]))
    html = site.text(f"/courses/{COURSE_ID}")
    assert "您的報名狀態：已錄取。 已抽中。" in html and "/enrolment/cancel" in html


def test_enrolling_again_after_a_final_answer_offers_no_cancel(site) -> None:
    token = _teacher_on_course(site, Answer(409, {"type": "urn:inservice:problem:already-enrolled",
                                                  "enrolment_status": "declined"}))
    answer = site.browser.post(f"/courses/{COURSE_ID}/enrolment", data={"csrf_token": token},
                               headers={"Accept": "application/json"})
    assert answer.json["enrolled_now"] is False and "承辦單位未錄取" in answer.json["message"]


def test_cancelling_calls_the_api_as_the_teacher(site) -> None:
    token = _teacher_on_course(site, Answer(201, {"status": "enrolled"}))
    site.api.answer("DELETE", f"/api/courses/{COURSE_ID}/enrolments/me",
                    Answer(200, {"status": "cancelled"}))
    answer = site.browser.post(f"/courses/{COURSE_ID}/enrolment/cancel",
                               data={"csrf_token": token}, headers={"Accept": "application/json"})
    assert answer.json["message"] == "已取消報名。" and not answer.json["enrolled_now"]
    [call] = site.api.to("DELETE", f"/api/courses/{COURSE_ID}/enrolments/me")
    assert call.token


def test_my_enrolments_show_each_state(site) -> None:
    site.sign_in(["teacher"])
    site.api.answer("GET", "/api/courses/enrolments/me", Answer(200, [
        {"course_id": "a", "code": "2026-1", "title": "甲", "starts_on": "2026-01-02",
         "status": "waitlisted", "position": 2},
        {"course_id": "b", "code": "2026-2", "title": "乙", "starts_on": "2026-01-03",
         "status": "not_drawn", "position": None}]))
    html = site.text("/my/enrolments")
    assert "候補中 (第 2 位)" in html and "未抽中" in html


def test_the_transcript_by_year_and_tag_with_csv_and_a_printable_page(site) -> None:
    site.sign_in(["teacher"])
    transcript = {"total_hours": 9.5, "year": 2025, "tag": None,
                  "by_year": [{"year": 2025, "hours": 9.5}], "by_tag": [],
                  "entries": [{"date": "2025-05-01", "title": "閱讀教學", "hours": 9.5,
                               "organiser": "建國中學", "source": "network", "tags": []}]}
    site.api.answer("GET", "/api/courses/transcripts/me", lambda call: Answer(
        200, transcript, b"\xef\xbb\xbfdate,title\n") if (call.params or {}).get("format") != "csv"
        else Answer(200, None, "\ufeffdate,title\n2025-05-01,閱讀教學\n".encode()))
    html = site.text("/my/transcript?year=2025")
    assert "民國 114 年" in html and "合計：9.5 小時" in html and "閱讀教學" in html
    assert 'href="/my/transcript.csv?year=2025"' in html
    csv = site.browser.get("/my/transcript.csv?year=2025")
    assert csv.mimetype == "text/csv" and "閱讀教學" in csv.get_data(as_text=True)
    assert site.api.calls[-1].params == {"year": "2025", "format": "csv"}
    assert "教師在職進修研習時數證明" in site.text("/my/transcript/print?year=2025")


# -- the organiser -------------------------------------------------------------------------

def test_a_refused_course_form_keeps_what_was_typed_with_the_notes_beside_the_fields(site) -> None:
    site.sign_in(["business"], unit="353301")
    token = site.csrf("/organiser/courses/new")
    site.api.answer("POST", "/api/courses", Answer(422, {
        "type": "urn:inservice:problem:validation-failed",
        "errors": {"capacity": ["Not a valid integer."], "title": ["Missing data for required field."]}}))
    answer = site.browser.post("/organiser/courses/new", data={
        "csrf_token": token, "title": "", "capacity": "四十", "place": "禮堂",
        "meeting_date_0": "2026-05-01", "meeting_start_0": "09:00", "meeting_end_0": "12:00",
        "enrolment_opens_at": "2026-04-01T08:00", "hours": "3", "tags": ["t1"]})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="capacity-error">請填整數。' in html and 'id="title-error">必填。' in html
    assert 'value="四十"' in html and 'value="禮堂"' in html and 'value="2026-05-01"' in html
    [call] = site.api.to("POST", "/api/courses")
    assert call.json["capacity"] == "四十" and call.json["enrolment_opens_at"] == \
        "2026-04-01T08:00:00+08:00"
    assert call.json["meetings"] == [{"date": "2026-05-01", "starts_at": "09:00",
                                      "ends_at": "12:00"}]


def test_a_meetings_error_stands_beside_its_row_among_the_rows_filled(site) -> None:
    """Issue 14 point 7: the API counts the meetings sent, blank rows left out; the note goes
    beside the row the person filled, in their language."""
    site.sign_in(["business"], unit="353301")
    token = site.csrf("/organiser/courses/new")
    typed = {"csrf_token": token, "meeting_date_1": "2026-05-01", "meeting_start_1": "09:00",
             "meeting_end_1": "12:00", "meeting_date_3": "2026-05-0x", "meeting_start_3": "13:00",
             "meeting_end_3": "12:00"}
    site.api.answer("POST", "/api/courses", Answer(422, {
        "type": "urn:inservice:problem:validation-failed",
        "errors": {"meetings": {"1": {"date": ["Not a valid date."]}}}}))
    html = site.browser.post("/organiser/courses/new", data=typed).get_data(as_text=True)
    assert 'id="meeting_date_3-error">日期格式不正確。' in html
    assert 'aria-describedby="meeting_date_3-error"' in html and "meeting_date_1-error" not in html
    assert 'value="2026-05-0x"' in html
    site.api.answer("POST", "/api/courses", Answer(422, {
        "type": "urn:inservice:problem:validation-failed",
        "errors": {"meetings": ["meeting 2 must end after it starts",
                                "two meetings start at the same time"],
                   "enrolment_closes_at": ["must not be after the first meeting starts"],
                   "subject": ["'math' is not a subject of 'language'"],
                   "county_code": ["unknown county 'XYZ'"]}}))
    html = site.browser.post("/organiser/courses/new", data=typed).get_data(as_text=True)
    assert 'id="meeting_end_3-error">結束時間須晚於開始時間。' in html
    assert 'id="meetings-error">有兩個上課日期的開始時間相同。' in html
    assert 'id="enrolment_closes_at-error">不可晚於第一天上課時間。' in html
    assert 'id="subject-error">不是所選子類別下的科目。' in html
    assert 'id="county_code-error">不是縣市代碼（三個英文字母，例如 TPE）。' in html
    assert "未通過檢查：" not in html  # no message left in the API's English


def test_more_meeting_days_are_added_sending_nothing_and_keeping_what_was_typed(site) -> None:
    """R-CRS-1: a course meets up to 100 days; the form starts with five."""
    site.sign_in(["business"], unit="353301")
    token = site.csrf("/organiser/courses/new")
    typed = {"csrf_token": token, "title": "十日研習", "meeting_rows": "5",
             **{f"meeting_date_{row}": f"2026-05-0{row + 1}" for row in range(5)}}
    again = site.browser.post("/organiser/courses/new", data={**typed, "more_meetings": "1"})
    html = again.get_data(as_text=True)
    assert again.status_code == 200 and not site.api.to("POST", "/api/courses")
    assert 'id="meeting_date_9"' in html and 'id="meeting_date_10"' not in html
    assert 'value="十日研習"' in html and 'value="2026-05-05"' in html
    assert 'name="meeting_rows" value="10"' in html


def test_a_series_is_made_with_its_first_session_and_the_next_one_registered_from_it(site) -> None:
    """R-CRS-4's series (one session per teacher): the form names a new series, which is
    made first and the course sent as its session; the course's page registers the next
    session, filled from it, in the same series and with its days left to fill."""
    site.sign_in(["business"], unit="353301")
    token = site.csrf("/organiser/courses/new")
    site.api.answer("POST", "/api/courses/series", Answer(201, {
        "id": "5e1e5000-0000-4000-8000-000000000001", "title": "閱讀系列",
        "one_session_per_teacher": True}))
    site.api.answer("POST", "/api/courses", Answer(201, {"id": COURSE_ID, "status": "draft"}))
    made = site.browser.post("/organiser/courses/new", data={
        "csrf_token": token, "title": "閱讀（第1梯次）", "series_title": " 閱讀系列 ",
        "series_one_session": "on"})
    assert made.headers["Location"] == f"/organiser/courses/{COURSE_ID}"
    assert site.api.to("POST", "/api/courses/series")[0].json == {
        "title": "閱讀系列", "one_session_per_teacher": True}
    assert site.api.to("POST", "/api/courses")[0].json["series_id"] == \
        "5e1e5000-0000-4000-8000-000000000001"

    site.api.answer("GET", f"/api/courses/{COURSE_ID}", Answer(200, course_with(
        title="閱讀（第1梯次）", series={"id": "5e1e5000-0000-4000-8000-000000000001",
                                    "title": "閱讀系列", "one_session_per_teacher": True})))
    page = site.text(f"/organiser/courses/{COURSE_ID}")
    assert f'href="/organiser/courses/new?after={COURSE_ID}"' in page and "登錄下一梯次" in page
    form = site.text(f"/organiser/courses/new?after={COURSE_ID}")
    assert 'value="閱讀（第1梯次）"' in form
    assert re.search(r'<option value="5e1e5000-0000-4000-8000-000000000001" selected>閱讀系列'
                     r' · 每位教師限報一梯次</option>', form)
    assert 'id="meeting_date_0" name="meeting_date_0" value=""' in form
    assert 'id="meeting_start_0" name="meeting_start_0" value="09:00"' in form
    site.browser.post("/organiser/courses/new", data={
        "csrf_token": token, "title": "閱讀（第2梯次）",
        "series_id": "5e1e5000-0000-4000-8000-000000000001", "series_title": "閱讀系列"})
    assert len(site.api.to("POST", "/api/courses/series")) == 1  # no second series
    assert site.api.to("POST", "/api/courses")[1].json["series_id"] == \
        "5e1e5000-0000-4000-8000-000000000001"


def test_the_form_offers_the_units_series_and_keeps_the_one_chosen(site) -> None:
    """R-CRS-4 (issue 14): a course joins any series of its unit, chosen from the unit's
    list (GET /api/courses/units/<unit>/series); an edit of a session keeps its series."""
    reading = "5e1e5000-0000-4000-8000-000000000001"
    site.sign_in(["business"], unit="353301")
    site.api.answer("GET", "/api/courses/units/353301/series", Answer(200, [
        {"id": "5e1e5000-0000-4000-8000-000000000002", "unit_code": "353301",
         "title": "數學系列", "one_session_per_teacher": False, "sessions": 0},
        {"id": reading, "unit_code": "353301", "title": "閱讀系列",
         "one_session_per_teacher": True, "sessions": 2}]))
    form = site.text("/organiser/courses/new")
    assert '<option value="">無（單獨開設或新系列）</option>' in form
    assert f'<option value="{reading}">閱讀系列 · 已登錄 2 個梯次 · 每位教師限報一梯次</option>' \
        in form
    assert "數學系列 · 已登錄 0 個梯次</option>" in form and 'id="series_title"' in form
    token = site.csrf("/organiser/courses/new")
    site.api.answer("POST", "/api/courses", Answer(422, {
        "type": "urn:inservice:problem:validation-failed",
        "errors": {"series_id": ["series of another unit"]}}))
    refused = site.browser.post("/organiser/courses/new", data={
        "csrf_token": token, "title": "閱讀（第3梯次）", "series_id": reading})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and not site.api.to("POST", "/api/courses/series")
    assert site.api.to("POST", "/api/courses")[0].json["series_id"] == reading
    assert f'<option value="{reading}" selected>' in html and 'id="series_id-error"' in html
    site.browser.get("/lang/en")
    english = site.text("/organiser/courses/new")
    assert "閱讀系列 · sessions registered: 2 · one session per teacher</option>" in english
    site.api.answer("GET", f"/api/courses/{COURSE_ID}", Answer(200, course_with(
        status="draft", series={"id": reading, "title": "閱讀系列",
                                "one_session_per_teacher": True})))
    edit = site.text(f"/organiser/courses/{COURSE_ID}/edit")
    assert f'type="hidden" name="series_id" value="{reading}"' in edit
    assert '<select id="series_id"' not in edit


def test_a_course_on_its_own_names_no_series_and_a_refused_one_is_said_beside_it(site) -> None:
    site.sign_in(["business"], unit="353301")
    token = site.csrf("/organiser/courses/new")
    site.api.answer("POST", "/api/courses", Answer(201, {"id": COURSE_ID, "status": "draft"}))
    site.browser.post("/organiser/courses/new", data={"csrf_token": token, "title": "單獨研習"})
    assert "series_id" not in site.api.to("POST", "/api/courses")[0].json
    assert not site.api.to("POST", "/api/courses/series")
    site.api.answer("POST", "/api/courses/series", Answer(422, {
        "type": "urn:inservice:problem:validation-failed",
        "errors": {"title": ["Longer than maximum length 200."]}}))
    refused = site.browser.post("/organiser/courses/new", data={
        "csrf_token": token, "title": "某研習", "series_title": "長" * 201})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="series_title-error"' in html
    assert 'value="某研習"' in html and len(site.api.to("POST", "/api/courses")) == 1


def test_a_registered_course_goes_to_its_page_and_a_returned_one_shows_the_reasons(site) -> None:
    site.sign_in(["business"], unit="353301")
    token = site.csrf("/organiser/courses/new")
    site.api.answer("POST", "/api/courses", Answer(201, {"id": COURSE_ID, "status": "draft"}))
    made = site.browser.post("/organiser/courses/new", data={"csrf_token": token, "capacity": "40"})
    assert made.headers["Location"] == f"/organiser/courses/{COURSE_ID}"
    assert site.api.to("POST", "/api/courses")[0].json["capacity"] == 40
    site.api.answer("GET", "/api/courses/vocabularies/return_reason", Answer(200, [
        {"code": "J", "label": "〔J.研習附件〕請上傳核定公文", "active": True}]))
    site.api.answer("GET", f"/api/courses/{COURSE_ID}", Answer(200, course_with(
        status="returned", reviews=[{"decision": "return", "reasons": ["J"], "comment": "補件"}])))
    html = site.text(f"/organiser/courses/{COURSE_ID}")
    assert "〔J.研習附件〕請上傳核定公文" in html and "補件" in html and "重新送審" in html


def test_the_organiser_accepts_or_declines_each_enrolment_waiting_for_it(site) -> None:
    """R-CRS-4, issue 14 point 3's "pending": a course whose organiser accepts each
    enrolment lists the ones waiting, by name, with accept and decline."""
    site.sign_in(["business"], unit="353301")
    site.api.answer("GET", f"/api/courses/{COURSE_ID}",
                    Answer(200, course_with(organiser_accepts=True)))
    site.api.answer("GET", f"/api/courses/{COURSE_ID}/enrolments", Answer(200, {"enrolments": [
        {"enrolment_id": "e-1", "account_id": "acc-1", "teacher_name": "林老師",
         "school_code": "353301", "status": "pending", "created_at": "2026-02-02T08:00:00+08:00"}]}))
    decided = f"/api/courses/{COURSE_ID}/enrolments/e-1/decision"
    replies = [Answer(200, {"status": "enrolled"}),
               Answer(409, {"type": "urn:inservice:problem:not-pending",
                            "enrolment_status": "enrolled"})]
    site.api.answer("POST", decided, lambda call: replies.pop(0))
    html = site.text(f"/organiser/courses/{COURSE_ID}")
    assert "等候您接受的報名" in html and "林老師" in html and "40 (已錄取 39 人)" in html
    assert site.api.to("GET", f"/api/courses/{COURSE_ID}/enrolments")[0].params == {
        "status": "pending"}
    token = site.csrf(f"/organiser/courses/{COURSE_ID}")
    path = f"/organiser/courses/{COURSE_ID}/enrolments/e-1/decision"
    accepted = site.browser.post(path, data={"csrf_token": token, "decision": "accept"})
    assert accepted.headers["Location"] == f"/organiser/courses/{COURSE_ID}#pending-heading"
    assert site.api.to("POST", decided)[0].json == {"decision": "accept"}
    assert "已接受此報名。" in site.text(f"/organiser/courses/{COURSE_ID}")
    site.browser.post(path, data={"csrf_token": token, "decision": "decline"})
    assert "這筆報名已不在等候決定。" in site.text(f"/organiser/courses/{COURSE_ID}")


def test_a_course_taking_everyone_lists_no_enrolment_to_decide(site) -> None:
    site.sign_in(["business"], unit="353301")
    site.api.answer("GET", f"/api/courses/{COURSE_ID}", Answer(200, course_with()))
    assert "等候您接受的報名" not in site.text(f"/organiser/courses/{COURSE_ID}")
    assert not site.api.to("GET", f"/api/courses/{COURSE_ID}/enrolments")


def test_a_walk_in_is_found_by_national_id_and_only_the_account_id_is_kept(site, caplog) -> None:
    """Issue 14 point 4: the ID goes to the lookup and nowhere else."""
    site.sign_in(["business"], unit="353301")
    national_id = "A123456789"
    site.api.answer("GET", f"/api/courses/{COURSE_ID}", Answer(200, course_with(status="approved")))
    site.api.answer("GET", f"/api/courses/{COURSE_ID}/enrolments", Answer(200, {"enrolments": []}))
    site.api.answer("GET", f"/api/courses/{COURSE_ID}/attendance", Answer(404, {}))
    site.api.answer("POST", "/api/accounts/teachers/lookups", Answer(200, [
        {"found": True, "account_id": "acc-77", "display_name": "陳老師", "login": "t77"}]))
    token = site.csrf(f"/organiser/courses/{COURSE_ID}/attendance")
    with caplog.at_level(logging.DEBUG):
        added = site.browser.post(f"/organiser/courses/{COURSE_ID}/walk-ins",
                                  data={"csrf_token": token, "national_id": national_id.lower()})
        page = site.text(f"/organiser/courses/{COURSE_ID}/attendance")
    assert added.status_code == 302
    [lookup] = site.api.to("POST", "/api/accounts/teachers/lookups")
    assert lookup.json == {"national_ids": [national_id]}
    assert "陳老師" in page and national_id not in page
    assert national_id not in str(site.store.sessions) and national_id.lower() not in str(
        site.store.sessions)
    assert national_id not in caplog.text and national_id.lower() not in caplog.text
    site.api.answer("PUT", f"/api/courses/{COURSE_ID}/attendance", Answer(200, {}))
    site.browser.post(f"/organiser/courses/{COURSE_ID}/attendance", data={
        "csrf_token": token, "account_id": ["acc-77"], "hours_acc-77": "3"})
    [sent] = site.api.to("PUT", f"/api/courses/{COURSE_ID}/attendance")
    assert sent.json == {"attendees": [{"account_id": "acc-77", "hours": "3", "walk_in": True}]}


def test_the_attendee_list_names_each_enrolled_teacher_and_their_school(site) -> None:
    site.sign_in(["business"], unit="353301")
    site.api.answer("GET", f"/api/courses/{COURSE_ID}", Answer(200, course_with(status="approved")))
    site.api.answer("GET", f"/api/courses/{COURSE_ID}/enrolments", Answer(200, {"enrolments": [
        {"account_id": "acc-1", "status": "enrolled", "teacher_name": "林怡君",
         "school_code": "353301"},
        {"account_id": "acc-2", "status": "enrolled", "teacher_name": None,
         "school_code": None}]}))
    site.api.answer("GET", f"/api/courses/{COURSE_ID}/attendance", Answer(404, {}))
    html = site.text(f"/organiser/courses/{COURSE_ID}/attendance")
    assert "林怡君" in html and '<span class="code">353301</span>' in html
    assert ">acc-2<" in html, "a teacher whose name has not arrived yet is still listed"


def _attendee_list(site):
    site.sign_in(["business"], unit="353301")
    site.api.answer("GET", f"/api/courses/{COURSE_ID}", Answer(200, course_with(status="approved")))
    site.api.answer("GET", f"/api/courses/{COURSE_ID}/enrolments", Answer(200, {"enrolments": [
        {"account_id": "acc-1", "status": "enrolled", "teacher_name": "林怡君"},
        {"account_id": "acc-2", "status": "enrolled", "teacher_name": "陳志明"}]}))
    site.api.answer("GET", f"/api/courses/{COURSE_ID}/attendance", Answer(404, {}))
    return site.csrf(f"/organiser/courses/{COURSE_ID}/attendance")


def test_a_refused_attendee_list_keeps_the_hours_typed_with_the_note_beside_each_teacher(site) -> None:
    """Bad input (issue 14): the hours of forty teachers are not typed twice; the rule the
    API names a teacher for stands beside that teacher."""
    token = _attendee_list(site)
    site.api.answer("PUT", f"/api/courses/{COURSE_ID}/attendance", Answer(422, {
        "type": "urn:inservice:problem:hours-above-course", "account_ids": ["acc-2"],
        "course_hours": 6.0}))
    refused = site.browser.post(f"/organiser/courses/{COURSE_ID}/attendance", data={
        "csrf_token": token, "account_id": ["acc-1", "acc-2"], "hours_acc-1": "5.5",
        "hours_acc-2": "60"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'value="5.5"' in html and 'value="60"' in html
    assert 'aria-describedby="hours_acc-2-error"' in html
    assert 'id="hours_acc-2-error">時數不可超過研習時數。' in html
    assert "hours_acc-1-error" not in html


def test_a_refused_hour_is_said_beside_the_teacher_it_was_sent_for(site) -> None:
    token = _attendee_list(site)
    site.api.answer("PUT", f"/api/courses/{COURSE_ID}/attendance", Answer(422, {
        "type": "urn:inservice:problem:validation-failed",
        "errors": {"attendees": {"0": {"hours": ["Not a valid number."]}}}}))
    refused = site.browser.post(f"/organiser/courses/{COURSE_ID}/attendance", data={
        "csrf_token": token, "account_id": ["acc-1", "acc-2"], "hours_acc-1": "",
        "hours_acc-2": "五"})
    html = refused.get_data(as_text=True)
    # acc-1, left blank (did not come), is not sent: the first teacher sent is acc-2
    assert 'value="五"' in html and 'id="hours_acc-2-error"' in html
    assert "hours_acc-1-error" not in html


def test_the_reviewer_checks_the_attendee_list_by_name_and_school(site) -> None:
    """Issue 11: the reviewer's list names each teacher and school as the API gives them
    (the teachers' replica), an account id only for a name not arrived yet."""
    site.sign_in(["reviewer"], authority="TPE")
    site.api.answer("GET", f"/api/courses/{COURSE_ID}",
                    Answer(200, course_with(status="attendance_submitted")))
    site.api.answer("GET", f"/api/courses/{COURSE_ID}/attendance", Answer(200, {
        "status": "attendance_submitted", "total_hours": 9.5, "attendees": [
            {"account_id": "acc-1", "hours": 6.0, "walk_in": False, "teacher_name": "林怡君",
             "school_code": "353301"},
            {"account_id": "acc-2", "hours": 3.5, "walk_in": True, "teacher_name": "陳志明",
             "school_code": "413601"},
            {"account_id": "acc-3", "hours": 0, "walk_in": False, "teacher_name": None,
             "school_code": None}]}))
    html = site.text(f"/reviewer/courses/{COURSE_ID}/attendance")
    rows = re.findall(r"<tr><td>(.*?)</td>", html)
    assert rows == ['林怡君 <span class="code">353301</span>',
                    '陳志明 <span class="code">413601</span> <span class="code">(現場報到)</span>',
                    "acc-3"]
    assert "acc-1" not in html and "acc-2" not in html


def test_a_refused_review_of_an_attendee_list_keeps_the_reasons_and_comment(site) -> None:
    site.sign_in(["reviewer"], authority="TPE")
    site.api.answer("GET", f"/api/courses/{COURSE_ID}",
                    Answer(200, course_with(status="attendance_submitted")))
    site.api.answer("GET", f"/api/courses/{COURSE_ID}/attendance", Answer(200, {
        "status": "attendance_submitted", "total_hours": 6.0,
        "attendees": [{"account_id": "acc-1", "hours": 6.0, "walk_in": False}]}))
    site.api.answer("GET", "/api/courses/vocabularies/roster_return", Answer(200, [
        {"code": "R1", "label": "時數與簽到不符", "active": True}]))
    site.api.answer("POST", f"/api/courses/{COURSE_ID}/attendance/review", Answer(422, {
        "type": "urn:inservice:problem:validation-failed",
        "errors": {"reasons": ["A return names at least one reason."]}}))
    token = site.csrf(f"/reviewer/courses/{COURSE_ID}/attendance")
    refused = site.browser.post(f"/reviewer/courses/{COURSE_ID}/attendance/review", data={
        "csrf_token": token, "decision": "return", "reasons": ["R1"], "comment": "請補簽到表"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "請補簽到表</textarea>" in html
    assert 'value="R1" checked' in html and 'id="reasons-error"' in html


def test_an_attachment_is_a_download_fetched_with_the_persons_token(site) -> None:
    """A draft's approval letter: its unit and reviewers may open it, through the API."""
    site.sign_in(["reviewer"], authority="TPE")
    path = f"/api/courses/{COURSE_ID}/attachments/{COURSE_ID}"
    site.api.answer("GET", path, Answer(200, None, b"%PDF-1.7 letter", {
        "Content-Disposition": 'attachment; filename="letter.pdf"'}))
    got = site.browser.get(f"/courses/{COURSE_ID}/attachments/{COURSE_ID}")
    assert got.data == b"%PDF-1.7 letter" and got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Content-Disposition"] == 'attachment; filename="letter.pdf"'
    assert site.api.to("GET", path)[0].token
    site.api.answer("GET", path, Answer(404, {}))
    assert site.browser.get(f"/courses/{COURSE_ID}/attachments/{COURSE_ID}").status_code == 404


def test_the_units_light_with_the_courses_causing_it(site) -> None:
    site.sign_in(["business"], unit="353301")
    site.api.answer("GET", "/api/courses/units/353301/light", Answer(200, {
        "light": "yellow", "overdue_count": 2, "blocks_submission": False,
        "overdue": [{"course_id": "c1", "code": "2026-9", "title": "逾期研習",
                     "ends_on": "2026-01-10", "due_on": "2026-01-17"}]}))
    html = site.text("/organiser")
    assert "黃燈" in html and "2 門研習逾期未登錄時數" in html and "逾期研習" in html
    assert "民國 115 年 1 月 17 日" in html


def test_the_organiser_works_from_the_units_own_list_drafts_included(site) -> None:
    """Every course of the unit, in every state, filtered by state and first day; the API
    decides the unit (the person's own, from the token)."""
    site.sign_in(["business"], unit="353301")
    site.api.answer("GET", "/api/courses/units/353301/courses", Answer(200, {
        "items": [course_with(status="draft", title="草稿研習")], "page": 1, "per_page": 20,
        "total": 1}))
    html = site.text("/organiser?status=draft&starts_from=&page=1")
    [call] = site.api.to("GET", "/api/courses/units/353301/courses")
    assert call.params == {"status": "draft", "page": "1"}
    assert f'href="/organiser/courses/{COURSE_ID}"' in html and "草稿研習" in html
    assert "草稿" in html and 'rel="next"' not in html


def test_a_refused_list_filter_is_named_beside_its_field(site) -> None:
    site.sign_in(["business"], unit="353301")
    site.api.answer("GET", "/api/courses/units/353301/courses", Answer(422, {
        "type": "urn:inservice:problem:validation-failed",
        "errors": {"starts_from": ["Not a valid date."]}}))
    html = site.text("/organiser?starts_from=yesterday")
    assert 'id="starts_from-error"' in html and 'value="yesterday"' in html


# -- the reviewer --------------------------------------------------------------------------

def test_the_review_queue_passes_filters_and_sorts_and_warns_of_meetings(site) -> None:
    site.sign_in(["reviewer"], authority="TPE")
    site.api.answer("GET", "/api/courses/review-queue", Answer(200, {"total": 1, "items": [
        course_with(status="submitted", title="校務會議研習", meeting_flag=True,
                    meeting_keywords=["校務會議"], submitted_at="2026-02-01T09:00:00+08:00")]}))
    html = site.text("/reviewer/queue/courses?unit=353301&sort=starts_on&order=desc&junk=1")
    [call] = site.api.to("GET", "/api/courses/review-queue")
    assert call.params == {"unit": "353301", "sort": "starts_on", "order": "desc",
                           "status": "submitted"}
    assert "含會議字詞：校務會議" in html and "待審 1 件" in html
    site.text("/reviewer/queue/attendance")
    assert site.api.calls[-1].params["status"] == "attendance_submitted"


def test_the_review_queue_pages_on_with_its_filters_and_sort_kept(site) -> None:
    """Issue 14 point 5: a queue longer than a page is reached page by page, the filters and
    the order chosen carried to the next page and back."""
    site.sign_in(["reviewer"], authority="TPE")
    site.api.answer("GET", "/api/courses/review-queue", lambda call: Answer(200, {
        "total": 45, "page": int((call.params or {}).get("page", 1)), "per_page": 20,
        "items": [course_with(status="submitted", submitted_at="2026-02-01T09:00:00+08:00")]}))
    first = site.text("/reviewer/queue/courses?unit=353301&sort=starts_on&order=desc")
    assert ('href="/reviewer/queue/courses?unit=353301&amp;sort=starts_on&amp;order=desc&amp;'
            'page=2" rel="next"') in first and 'rel="prev"' not in first
    second = site.text("/reviewer/queue/courses?unit=353301&sort=starts_on&order=desc&page=2")
    assert site.api.calls[-1].params["page"] == "2"
    assert 'page=1" rel="prev"' in second and 'page=3" rel="next"' in second
    last = site.text("/reviewer/queue/courses?unit=353301&sort=starts_on&order=desc&page=3")
    assert 'rel="next"' not in last and 'page=2" rel="prev"' in last


def test_a_reviewer_returns_a_course_with_reasons_from_the_list(site) -> None:
    site.sign_in(["reviewer"], authority="TPE")
    site.api.answer("GET", f"/api/courses/{COURSE_ID}", Answer(200, course_with(status="submitted")))
    site.api.answer("GET", "/api/courses/vocabularies/return_reason", Answer(200, [
        {"code": "A", "label": "〔A〕時數不符", "active": True}]))
    site.api.answer("POST", f"/api/courses/{COURSE_ID}/review", Answer(200, {}))
    page = site.text(f"/reviewer/courses/{COURSE_ID}")
    assert "〔A〕時數不符" in page
    token = site.csrf(f"/reviewer/courses/{COURSE_ID}")
    done = site.browser.post(f"/reviewer/courses/{COURSE_ID}/review", data={
        "csrf_token": token, "decision": "return", "reasons": ["A"], "comment": "請修正"})
    assert done.headers["Location"] == "/reviewer/queue/courses"
    [call] = site.api.to("POST", f"/api/courses/{COURSE_ID}/review")
    assert call.json == {"decision": "return", "reasons": ["A"], "comment": "請修正"}


def test_the_reviewer_and_the_organiser_read_every_field_of_the_course_by_its_label(site) -> None:
    """Issue 14 points 4 and 5: the return reasons name the audience against the nature,
    the category down to the subject, the window and the seats: the reviewer reads each of
    them, by label, beside the reasons; the organiser reads what was sent."""
    vocabularies = {"audience": ("junior_high", "國中教師"), "class_type": ("credit", "學分班"),
                    "nature": ("general", "一般研習"), "category": ("c1", "課程與教學"),
                    "subcategory": ("language", "語文"), "subject": ("chinese", "國語文"),
                    "time_slot": ("morning", "上午"), "tag": ("disaster", "防災教育")}
    for kind, (code, label) in vocabularies.items():
        site.api.answer("GET", f"/api/courses/vocabularies/{kind}",
                        Answer(200, [{"code": code, "label": label, "active": True}]))
    detailed = course_with(status="submitted", audiences=["junior_high"], class_type="credit",
                           nature="general", subcategory="language", subject="chinese",
                           organiser_accepts=True, county_code="TPE",
                           series={"id": "s1", "title": "閱讀系列", "one_session_per_teacher": True})
    site.api.answer("GET", f"/api/courses/{COURSE_ID}", Answer(200, detailed))
    expected = ("國中教師", "學分班", "一般研習", "課程與教學 / 語文 / 國語文", "上午", "防災教育",
                "民國 115 年 2 月 1 日 00:00", "由承辦單位審核報名", "閱讀系列", "每位教師限報一梯次")
    site.sign_in(["reviewer"], authority="TPE")
    html = site.text(f"/reviewer/courses/{COURSE_ID}")
    assert [text for text in expected if text not in html] == []
    site.sign_in(["business"], unit="353301")
    site.api.answer("GET", f"/api/courses/{COURSE_ID}/enrolments", Answer(200, {"enrolments": []}))
    html = site.text(f"/organiser/courses/{COURSE_ID}")
    assert [text for text in expected if text not in html] == []


def test_a_course_of_another_authority_is_the_404_page_for_a_reviewer(site) -> None:
    """Scope is the API's: a course routed elsewhere is 404 there, so here too."""
    site.sign_in(["reviewer"], authority="TPE")
    site.api.answer("GET", f"/api/courses/{COURSE_ID}", Answer(404, {}))
    site.api.answer("POST", f"/api/courses/{COURSE_ID}/review", Answer(404, {}))
    assert site.browser.get(f"/reviewer/courses/{COURSE_ID}").status_code == 404
    token = site.csrf("/")
    assert site.browser.post(f"/reviewer/courses/{COURSE_ID}/review", data={
        "csrf_token": token, "decision": "approve"}).status_code == 404



def test_the_county_filter_lists_the_counties_by_name(site) -> None:
    """R-CRS-9: a teacher picks 臺北市, not a code; the names come from the accounts
    service's directory of authorities (a bureau is named after its county)."""
    site.api.answer("GET", "/api/accounts/authorities", Answer(200, [
        {"code": "TPE", "name": "臺北市政府教育局", "county_code": "TPE", "kind": "county"},
        {"code": "CYI", "name": "嘉義市政府教育處", "county_code": "CYI", "kind": "county"},
        {"code": "K12EA", "name": "教育部國民及學前教育署", "county_code": None,
         "kind": "k12_administration"}]))
    site.api.answer("GET", "/api/courses", Answer(200, {"items": [], "total": 0}))
    html = site.text("/courses?county=CYI")
    assert '<option value="TPE">臺北市</option>' in html
    assert '<option value="CYI" selected>嘉義市</option>' in html
    assert "教育部國民及學前教育署" not in html


def test_the_search_page_stands_when_the_directory_of_counties_is_down(site) -> None:
    """The accounts service being down costs the county list its names, not the page."""
    from web.api import ApiUnavailable

    def down(call):
        raise ApiUnavailable("accounts: 503")
    site.api.answer("GET", "/api/accounts/authorities", down)
    site.api.answer("GET", "/api/courses", Answer(200, {"items": [course_with()], "total": 1}))
    page = site.browser.get("/courses?county=TPE")
    assert page.status_code == 200 and "防災教育研習" in page.get_data(as_text=True)
