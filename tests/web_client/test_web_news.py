"""R-CRS-12 and calendars in the pages: news for the person's audience, the marquee on
every page (standing still), the operators' pages that publish and withdraw, and a
teacher's private calendar address shown once."""
from __future__ import annotations

import pytest

from servicekit.settings import InvalidSetting, Settings
from web.api import Answer
from web.pages import news as news_pages
from web.settings import NEWS_CACHE_SECONDS, WebSettings

ITEM = {"id": "n-1", "title": "寒假研習公告", "body": "第一行\n<script>alert(1)</script>",
        "audience": "teachers", "shown_from": "2026-12-01T00:00:00+00:00",
        "shown_until": None, "updated_at": "2026-12-01T00:00:00+00:00", "version": 1}


def test_a_teacher_reads_the_teachers_news_with_its_text_never_markup(site) -> None:
    site.api.answer("GET", "/api/courses/news", Answer(200, {
        "items": [ITEM], "total": 1, "page": 1, "per_page": 20, "audience": "teachers"}))
    site.sign_in(["teacher"])
    html = site.text("/news")
    assert site.api.to("GET", "/api/courses/news")[-1].params == {"page": "1",
                                                                  "audience": "teachers"}
    assert "寒假研習公告" in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert 'type="application/atom+xml"' in html and "/api/courses/news/feed.atom" in html


def test_signed_out_the_news_asks_for_no_audience_and_the_front_page_shows_the_latest(site) -> None:
    site.api.answer("GET", "/api/courses/news", Answer(200, {"items": [ITEM], "total": 1}))
    site.text("/news")
    assert "audience" not in site.api.to("GET", "/api/courses/news")[-1].params
    home = site.text("/")
    assert "寒假研習公告" in home and 'href="/news"' in home
    assert site.api.to("GET", "/api/courses/news")[-1].params == {"per_page": 3}


def test_the_front_pages_news_is_kept_per_audience_until_its_time_is_up(site,
                                                                       monkeypatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(news_pages, "monotonic", lambda: now[0])
    shown = [ITEM]
    site.api.answer("GET", "/api/courses/news",
                    lambda call: Answer(200, {"items": list(shown), "total": len(shown)}))
    asked = lambda: site.api.to("GET", "/api/courses/news")  # noqa: E731
    assert "寒假研習公告" in site.text("/")
    shown[0] = {**ITEM, "title": "補充公告"}
    now[0] += NEWS_CACHE_SECONDS - 1
    assert "寒假研習公告" in site.text("/") and len(asked()) == 1  # kept: time only renews
    site.sign_in(["teacher"])
    assert "補充公告" in site.text("/")  # the teachers' items are kept apart
    assert asked()[-1].params == {"per_page": 3, "audience": "teachers"}
    site.browser.post("/auth/logout", data={"csrf_token": site.csrf("/")})
    assert "寒假研習公告" in site.text("/") and len(asked()) == 2
    now[0] += 1
    assert "補充公告" in site.text("/") and len(asked()) == 3  # its time is up
    site.api.answer("GET", "/api/courses/news", Answer(503, {"type": "x"}))
    now[0] += NEWS_CACHE_SECONDS
    assert "補充公告" not in site.text("/")
    site.api.answer("GET", "/api/courses/news", Answer(200, {"items": [ITEM], "total": 1}))
    assert "寒假研習公告" in site.text("/")  # a failed answer was not kept


def test_how_long_the_news_is_kept_is_a_setting(tmp_path) -> None:
    def web(**env: str) -> WebSettings:
        return WebSettings.from_settings(Settings.from_env("web", {"DATA_DIR": str(tmp_path),
                                                                   **env}))
    assert web().news_cache_seconds == NEWS_CACHE_SECONDS == 30
    assert web(WEB_NEWS_CACHE_SECONDS="5").news_cache_seconds == 5
    with pytest.raises(InvalidSetting):
        web(WEB_NEWS_CACHE_SECONDS="0")


def test_the_marquee_stands_on_every_page_and_is_asked_once_a_minute(site) -> None:
    site.api.answer("GET", "/api/courses/marquee", Answer(200, [
        {"id": "m-1", "text": "12 月 10 日系統維護", "position": 1}]))
    for path in ("/", "/courses", "/news"):
        html = site.text(path)
        assert 'class="marquee"' in html and "12 月 10 日系統維護" in html, path
    assert len(site.api.to("GET", "/api/courses/marquee")) == 1


def test_the_api_being_down_leaves_the_marquee_empty_not_the_page_broken(site) -> None:
    site.api.down = True
    answer = site.browser.get("/lang/en?next=/")
    assert answer.status_code == 302
    page = site.browser.get("/courses")
    assert page.status_code == 503 and "Traceback" not in page.get_data(as_text=True)


def test_an_operator_publishes_news_in_taipei_time_and_withdraws_it(site) -> None:
    site.api.answer("GET", "/api/courses/news-items", Answer(200, {
        "items": [{**ITEM, "state": "shown"}], "total": 1, "page": 1, "per_page": 50}))
    site.api.answer("POST", "/api/courses/news-items", Answer(201, ITEM))
    site.api.answer("DELETE", "/api/courses/news-items/n-1", Answer(204))
    site.sign_in(["operator"])
    page = site.text("/operator/news")
    assert "寒假研習公告" in page and "刊登中" in page
    token = site.csrf("/operator/news")
    saved = site.browser.post("/operator/news", data={
        "csrf_token": token, "title": "寒假研習公告", "body": "第一行\r\n第二行",
        "audience": "teachers", "shown_from": "2026-12-05T08:00", "shown_until": ""})
    assert saved.status_code == 302
    assert site.api.to("POST", "/api/courses/news-items")[0].json == {
        "title": "寒假研習公告", "body": "第一行\n第二行", "audience": "teachers",
        "shown_from": "2026-12-05T08:00:00+08:00"}
    gone = site.browser.post("/operator/news/n-1/withdrawal", data={"csrf_token": token})
    assert gone.status_code == 302 and site.api.to("DELETE", "/api/courses/news-items/n-1")


def test_changing_an_item_opens_it_in_the_form_and_puts_it_whole(site) -> None:
    site.api.answer("GET", "/api/courses/news-items", Answer(200, {"items": [], "total": 0}))
    site.api.answer("GET", "/api/courses/news-items/n-1", Answer(200, {**ITEM,
                                                                      "state": "shown"}))
    site.api.answer("PUT", "/api/courses/news-items/n-1", Answer(200, ITEM))
    site.sign_in(["operator"])
    form = site.text("/operator/news?edit=n-1")
    assert 'name="id" value="n-1"' in form and 'value="2026-12-01T08:00"' in form
    token = site.csrf("/operator/news")
    site.browser.post("/operator/news", data={
        "csrf_token": token, "id": "n-1", "title": "改過的標題", "body": "內容",
        "audience": "everyone", "shown_from": "2026-12-01T08:00",
        "shown_until": "2026-12-31T23:59"})
    assert site.api.to("PUT", "/api/courses/news-items/n-1")[0].json["shown_until"] == \
        "2026-12-31T23:59:00+08:00"


def test_a_refused_item_is_named_beside_its_field_and_what_was_typed_stays(site) -> None:
    site.api.answer("GET", "/api/courses/news-items", Answer(200, {"items": [], "total": 0}))
    site.api.answer("POST", "/api/courses/news-items", Answer(422, {
        "type": "urn:inservice:problem:reversed-window",
        "errors": {"shown_until": ["The window must end after it starts."]}}))
    site.sign_in(["operator"])
    token = site.csrf("/operator/news")
    answer = site.browser.post("/operator/news", data={
        "csrf_token": token, "title": "公告", "body": "內容", "audience": "everyone",
        "shown_from": "2026-12-05T08:00", "shown_until": "2026-12-01T08:00"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'id="shown_until-error"' in html
    assert 'value="公告"' in html and 'value="2026-12-01T08:00"' in html


def test_a_marquee_line_saved_is_on_the_next_page_at_once(site) -> None:
    lines = [{"id": "m-1", "text": "舊的", "position": 1}]
    site.api.answer("GET", "/api/courses/marquee", lambda call: Answer(200, list(lines)))
    site.api.answer("GET", "/api/courses/marquee-lines", Answer(200, []))
    site.api.answer("POST", "/api/courses/marquee-lines", Answer(201, {}))
    site.sign_in(["operator"])
    assert "舊的" in site.text("/")
    lines[0] = {"id": "m-1", "text": "新的", "position": 1}
    token = site.csrf("/operator/marquee")
    site.browser.post("/operator/marquee", data={
        "csrf_token": token, "text": "新的", "position": "1", "shown_from": "2026-12-05T08:00"})
    assert site.api.to("POST", "/api/courses/marquee-lines")[0].json == {
        "text": "新的", "position": 1, "shown_from": "2026-12-05T08:00:00+08:00"}
    assert "新的" in site.text("/")


def test_the_operators_news_pages_are_the_404_page_for_everyone_else(site) -> None:
    for roles in (["teacher"], ["reviewer"], ["business"], ["viewer"]):
        site.sign_in(roles, authority="TPE", unit="353301")
        for path in ("/operator/news", "/operator/marquee"):
            assert site.browser.get(path).status_code == 404, (roles, path)


def test_a_teachers_calendar_address_is_shown_once_and_kept_nowhere(site) -> None:
    site.api.answer("GET", "/api/courses/enrolments/me", Answer(200, []))
    url = "http://platform.test/api/courses/calendars/SECRETtoken123.ics"
    site.api.answer("POST", "/api/courses/calendar-token", Answer(201, {"url": url}))
    site.sign_in(["teacher"])
    token = site.csrf("/my/enrolments")
    answer = site.browser.post("/my/calendar", data={"csrf_token": token})
    assert answer.status_code == 200 and url in answer.get_data(as_text=True)
    assert "SECRETtoken123" not in str(site.store.sessions)
    assert "SECRETtoken123" not in site.text("/my/enrolments")
    assert site.browser.post("/my/calendar", data={}).status_code in (400, 403)


def test_a_published_course_offers_its_ics_and_a_draft_does_not(site) -> None:
    from test_web_pages import COURSE_ID, course_with
    site.api.answer("GET", f"/api/courses/{COURSE_ID}", Answer(200, course_with()))
    assert f'href="/api/courses/{COURSE_ID}/calendar.ics"' in site.text(f"/courses/{COURSE_ID}")
    site.api.answer("GET", f"/api/courses/{COURSE_ID}", Answer(200, course_with(status="draft")))
    assert "calendar.ics" not in site.text(f"/courses/{COURSE_ID}")
