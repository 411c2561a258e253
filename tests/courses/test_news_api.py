"""News and marquee lines through the HTTP API (R-CRS-12, issue 11 item 4): operators
publish, anyone reads what is inside its window, as JSON and as an Atom feed (RFC 4287);
every refusal is problem+json with a stable type. Expectations written by hand."""
from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

from courses_helpers import NOW

PROBLEM = "application/problem+json"
ATOM = "{http://www.w3.org/2005/Atom}"

# NOW is 2026-03-04T01:00Z (09:00 in Taipei).
OPEN = {"shown_from": "2026-03-04T08:00:00+08:00", "shown_until": "2026-03-11T08:00:00+08:00"}


def problem_type(answer) -> str:
    assert answer.mimetype == PROBLEM, answer.get_data(as_text=True)
    return answer.get_json()["type"].rsplit(":", 1)[-1]


def news_body(**changes):
    return {"title": "寒假研習報名開始", "body": "第一行\n第二行", "audience": "everyone",
            **OPEN, **changes}


def publish(api, **changes):
    answer = api.call("post", "/news-items", "operator", json=news_body(**changes))
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def titles(answer) -> list[str]:
    assert answer.status_code == 200, answer.get_json()
    return [item["title"] for item in answer.get_json()["items"]]


def test_an_item_is_public_only_inside_its_window(api) -> None:
    created = publish(api, title="下週開放", shown_from="2026-03-05T00:00:00+08:00",
                      shown_until="2026-03-06T00:00:00+08:00")
    assert created["state"] == "scheduled"
    assert titles(api.call("get", "/news")) == []
    api.clock.set(NOW + timedelta(hours=15))  # 2026-03-05T00:00+08:00: the window opens
    assert titles(api.call("get", "/news")) == ["下週開放"]
    api.clock.set(NOW + timedelta(hours=39))  # 2026-03-06T00:00+08:00: it has closed
    assert titles(api.call("get", "/news")) == []
    managed = api.call("get", "/news-items", "operator").get_json()
    assert [(item["title"], item["state"]) for item in managed["items"]] == [("下週開放", "ended")]


def test_times_are_kept_in_utc_and_shown_with_their_offset(api) -> None:
    created = publish(api, shown_until=None)
    assert (created["shown_from"], created["shown_until"]) == ("2026-03-04T00:00:00+00:00", None)
    item = api.call("get", "/news").get_json()["items"][0]
    assert item == {"id": created["id"], "title": "寒假研習報名開始", "body": "第一行\n第二行",
                    "audience": "everyone", "shown_from": "2026-03-04T00:00:00+00:00",
                    "shown_until": None, "updated_at": "2026-03-04T01:00:00+00:00",
                    "version": 1}


def test_the_feed_filters_by_audience_everyone_reaching_every_reader(api) -> None:
    publish(api, title="給所有人", shown_from="2026-03-01T00:00:00+08:00")
    publish(api, title="給教師", audience="teachers", shown_from="2026-03-02T00:00:00+08:00")
    publish(api, title="給承辦人", audience="business", shown_from="2026-03-03T00:00:00+08:00")
    assert titles(api.call("get", "/news")) == ["給承辦人", "給教師", "給所有人"]
    assert titles(api.call("get", "/news?audience=teachers")) == ["給教師", "給所有人"]
    assert titles(api.call("get", "/news?audience=business")) == ["給承辦人", "給所有人"]
    assert titles(api.call("get", "/news?audience=reviewers")) == ["給所有人"]
    assert titles(api.call("get", "/news?audience=everyone")) == ["給所有人"]
    unknown = api.call("get", "/news?audience=parents")
    assert (unknown.status_code, problem_type(unknown)) == (422, "validation-failed")
    assert "audience" in unknown.get_json()["errors"]


def test_the_feed_is_paged_and_a_page_past_the_end_is_refused(api) -> None:
    for day in range(1, 4):
        publish(api, title=f"消息 {day}", shown_from=f"2026-03-0{day}T00:00:00+08:00")
    first = api.call("get", "/news?per_page=2").get_json()
    assert ([i["title"] for i in first["items"]], first["total"]) == (["消息 3", "消息 2"], 3)
    assert titles(api.call("get", "/news?per_page=2&page=2")) == ["消息 1"]
    beyond = api.call("get", "/news?per_page=2&page=3")
    assert (beyond.status_code, problem_type(beyond)) == (422, "page-beyond-end")
    assert beyond.get_json()["parameter"] == "page"
    too_many = api.call("get", "/news?per_page=51")
    assert (too_many.status_code, problem_type(too_many)) == (422, "validation-failed")
    assert "per_page" in too_many.get_json()["errors"]
    assert titles(api.call("get", "/news?page=1")) == ["消息 3", "消息 2", "消息 1"]


def test_bad_items_are_refused_naming_the_field(api) -> None:
    def refused(**changes):
        answer = api.call("post", "/news-items", "operator", json=news_body(**changes))
        assert answer.status_code == 422, answer.get_json()
        return problem_type(answer), sorted(answer.get_json()["errors"])

    assert refused(shown_until="2026-03-04T08:00:00+08:00") == (
        "reversed-window", ["shown_until"])
    assert refused(shown_until="2026-03-03T00:00:00+00:00") == (
        "reversed-window", ["shown_until"])
    assert refused(shown_from="2026-03-04T08:00:00") == ("validation-failed", ["shown_from"])
    assert refused(shown_from="0001-01-01T00:00:00+08:00") == ("validation-failed",
                                                               ["shown_from"])
    assert refused(shown_until="9999-12-31T23:59:59-08:00") == ("validation-failed",
                                                                ["shown_until"])
    assert refused(title="長" * 201) == ("validation-failed", ["title"])
    assert refused(title="   ") == ("validation-failed", ["title"])
    assert refused(title="兩\n行") == ("validation-failed", ["title"])
    assert refused(body="x" * 10_001) == ("validation-failed", ["body"])
    assert refused(body="鈴聲\x07") == ("validation-failed", ["body"])
    assert refused(audience="parents") == ("validation-failed", ["audience"])
    assert api.call("get", "/news-items", "operator").get_json()["total"] == 0


def test_an_operator_changes_and_withdraws_an_item(api) -> None:
    created = publish(api)
    changed = api.call("put", f"/news-items/{created['id']}", "operator",
                       json=news_body(title="更正：寒假研習", body="A\r\nB", audience="teachers"))
    assert changed.status_code == 200
    assert (changed.get_json()["title"], changed.get_json()["body"],
            changed.get_json()["version"]) == ("更正：寒假研習", "A\nB", 2)
    assert titles(api.call("get", "/news?audience=teachers")) == ["更正：寒假研習"]
    reversed_window = api.call("put", f"/news-items/{created['id']}", "operator",
                               json=news_body(shown_until="2026-03-01T00:00:00+08:00"))
    assert (reversed_window.status_code, problem_type(reversed_window)) == (422,
                                                                            "reversed-window")
    gone = api.call("delete", f"/news-items/{created['id']}", "operator")
    assert (gone.status_code, gone.get_data()) == (204, b"")
    assert titles(api.call("get", "/news")) == []
    for method in ("get", "put", "delete"):
        for news_id in (created["id"], "not-an-id"):
            answer = api.call(method, f"/news-items/{news_id}", "operator", json=news_body())
            assert (answer.status_code, problem_type(answer)) == (404, "news-not-found")


def test_only_operators_keep_the_news_and_anyone_reads_it(api) -> None:
    publish(api)
    for role in ("teacher", "business", "reviewer", "viewer", "admin"):
        answer = api.call("post", "/news-items", role, json=news_body())
        assert (answer.status_code, problem_type(answer)) == (403, "forbidden")
    anonymous = api.call("post", "/news-items", None, json=news_body())
    assert anonymous.status_code == 401
    assert titles(api.call("get", "/news", None)) == ["寒假研習報名開始"]


def test_the_atom_feed_is_rfc_4287_and_escapes_what_operators_wrote(api) -> None:
    publish(api, title="<b>粗體</b> & 公告", body="<script>alert(1)</script>\n第二行",
            audience="teachers")
    publish(api, title="給承辦人", audience="business")
    answer = api.call("get", "/news/feed.atom?audience=teachers", None)
    assert answer.status_code == 200
    assert answer.mimetype == "application/atom+xml"
    raw = answer.get_data()
    assert b"<script>" not in raw and b"&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    feed = ElementTree.fromstring(raw)
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}id") == \
        "http://127.0.0.1:8080/api/courses/news/feed.atom?audience=teachers"
    assert feed.find(f"{ATOM}link").attrib == {
        "rel": "self", "type": "application/atom+xml",
        "href": "http://127.0.0.1:8080/api/courses/news/feed.atom?audience=teachers"}
    assert feed.findtext(f"{ATOM}author/{ATOM}name")
    assert feed.findtext(f"{ATOM}updated") == "2026-03-04T01:00:00+00:00"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 1
    entry = entries[0]
    assert entry.findtext(f"{ATOM}title") == "<b>粗體</b> & 公告"
    assert entry.find(f"{ATOM}title").attrib == {"type": "text"}
    assert entry.findtext(f"{ATOM}content") == "<script>alert(1)</script>\n第二行"
    assert entry.find(f"{ATOM}content").attrib == {"type": "text"}
    assert entry.findtext(f"{ATOM}id").startswith("urn:uuid:")
    assert entry.findtext(f"{ATOM}published") == "2026-03-04T00:00:00+00:00"
    assert entry.find(f"{ATOM}category").attrib == {"term": "teachers"}


def test_the_atom_feed_of_nothing_shown_is_still_a_feed(api) -> None:
    feed = ElementTree.fromstring(api.call("get", "/news/feed.atom").get_data())
    assert feed.findall(f"{ATOM}entry") == []
    assert feed.findtext(f"{ATOM}updated") == "2026-03-04T01:00:00+00:00"
    bad = api.call("get", "/news/feed.atom?audience=x")
    assert (bad.status_code, problem_type(bad)) == (422, "validation-failed")


def line(text: str, position: int, **window):
    return {"text": text, "position": position, **OPEN, **window}


def test_the_marquee_shows_the_lines_in_force_in_order(api) -> None:
    for body in (line("第二則", 2), line("第一則", 1),
                 line("尚未開始", 1, shown_from="2026-03-05T00:00:00+08:00"),
                 line("已結束", 1, shown_from="2026-03-01T00:00:00+08:00",
                      shown_until="2026-03-02T00:00:00+08:00")):
        assert api.call("post", "/marquee-lines", "operator", json=body).status_code == 201
    shown = api.call("get", "/marquee", None)
    assert shown.status_code == 200
    assert [(item["text"], item["position"]) for item in shown.get_json()] == [
        ("第一則", 1), ("第二則", 2)]
    assert shown.get_json()[0]["shown_from"] == "2026-03-04T00:00:00+00:00"
    managed = api.call("get", "/marquee-lines", "operator").get_json()
    assert sorted((item["text"], item["state"]) for item in managed) == [
        ("尚未開始", "scheduled"), ("已結束", "ended"), ("第一則", "shown"), ("第二則", "shown")]


def test_marquee_lines_are_changed_withdrawn_and_checked(api) -> None:
    created = api.call("post", "/marquee-lines", "operator", json=line("原文", 1)).get_json()
    moved = api.call("put", f"/marquee-lines/{created['id']}", "operator",
                     json=line("改過", 5))
    assert (moved.status_code, moved.get_json()["text"], moved.get_json()["position"],
            moved.get_json()["version"]) == (200, "改過", 5, 2)
    for body, slug, field in ((line("長" * 101, 1), "validation-failed", "text"),
                              (line("x", 0), "validation-failed", "position"),
                              (line("x", 1, shown_until="2026-03-01T00:00:00+08:00"),
                               "reversed-window", "shown_until")):
        answer = api.call("post", "/marquee-lines", "operator", json=body)
        assert (answer.status_code, problem_type(answer)) == (422, slug)
        assert list(answer.get_json()["errors"]) == [field]
    assert api.call("delete", f"/marquee-lines/{created['id']}", "operator").status_code == 204
    assert api.call("get", "/marquee").get_json() == []
    again = api.call("delete", f"/marquee-lines/{created['id']}", "operator")
    assert (again.status_code, problem_type(again)) == (404, "marquee-line-not-found")
    teacher = api.call("post", "/marquee-lines", "teacher", json=line("x", 1))
    assert (teacher.status_code, problem_type(teacher)) == (403, "forbidden")
