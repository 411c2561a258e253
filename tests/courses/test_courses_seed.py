"""The demo courses of ``make up`` (issue 10 point 9): approved courses across the demo
units with windows open now and capacities from 5 to 200, among them a 40-seat course
open with nobody enrolled, a series of three sessions held one per teacher, a lottery
course open now, a window that opens later, and a course whose organiser accepts each
enrolment. Seeding twice makes nothing new."""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from services.courses.demo_data import COURSES
from services.courses.handlers import lottery
from services.courses.seed import demo_id, seed_demo


def listed(api) -> list[dict]:
    items = api.call("get", "/?per_page=100").get_json()["items"]
    return [api.call("get", f"/{c['id']}").get_json() for c in items]


def test_the_demo_set(api) -> None:
    assert seed_demo(api.runtime) >= 9
    courses = listed(api)
    now = api.clock.now()

    def is_open(course: dict) -> bool:
        return datetime.fromisoformat(course["enrolment_opens_at"]) <= now < \
            datetime.fromisoformat(course["enrolment_closes_at"])

    assert all(c["status"] == "approved" for c in courses)
    assert len({c["unit_code"] for c in courses}) >= 4
    assert (min(c["capacity"] for c in courses), max(c["capacity"] for c in courses)) == (5, 200)
    assert any(c["capacity"] == 40 and is_open(c) and c["enrolled"] == 0 for c in courses)
    series = [c for c in courses if c["series"]]
    assert len(series) == 3 and {c["series"]["id"] for c in series} == {series[0]["series"]["id"]}
    assert series[0]["series"]["one_session_per_teacher"] is True
    assert any(c["fairness"] == "lottery" and is_open(c) for c in courses)
    assert any(datetime.fromisoformat(c["enrolment_opens_at"]) > now for c in courses)
    assert any(c["organiser_accepts"] and is_open(c) for c in courses)
    assert sum(is_open(c) for c in courses) >= 6
    assert all(c["reviewing_authority_code"] for c in courses)


def test_seeding_again_makes_nothing(api) -> None:
    seed_demo(api.runtime)
    before = len(listed(api))
    assert seed_demo(api.runtime) == 0
    assert len(listed(api)) == before


def test_every_listed_demo_course_is_there_after_the_seed(api) -> None:
    seed_demo(api.runtime)
    for demo in COURSES:
        found = api.call("get", f"/{demo_id(demo.key)}")
        assert found.status_code == 200, demo.key
        assert (found.get_json()["title"], found.get_json()["status"],
                found.get_json()["capacity"]) == (demo.title, "approved", demo.capacity)


def test_the_demo_lottery_publishes_its_hash_and_the_draw_reveals_the_seed_that_matches(
        api) -> None:
    seed_demo(api.runtime)
    course_id = demo_id("lottery")
    published = api.call("get", f"/{course_id}/lottery")
    assert published.status_code == 200, published.get_json()
    digest = published.get_json()["seed_sha256"]
    assert len(digest) == 64 and published.get_json()["seed"] is None  # secret until drawn
    api.clock.set(api.clock.now() + timedelta(days=18))  # the window closed on day 17
    lottery.open_and_draw(api.runtime.components.enrolments, api.clock)
    drawn = api.call("get", f"/{course_id}/lottery").get_json()
    assert drawn["drawn_at"] is not None and drawn["seed_sha256"] == digest
    assert hashlib.sha256(drawn["seed"].encode()).hexdigest() == digest


def test_the_demo_news_and_marquee_are_shown_once_however_often_seeded(api) -> None:
    seed_demo(api.runtime)
    seed_demo(api.runtime)
    shown = api.call("get", "/news").get_json()
    assert shown["total"] == 3
    assert all(item["title"].startswith("示範") for item in shown["items"])
    for_teachers = api.call("get", "/news?audience=teachers").get_json()["items"]
    assert sorted(item["audience"] for item in for_teachers) == ["everyone", "teachers"]
    assert [line["position"] for line in api.call("get", "/marquee").get_json()] == [1, 2]
