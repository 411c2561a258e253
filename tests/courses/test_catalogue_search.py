"""The catalogue's cross search (R-CRS-9) over HTTP on the embedded default (SQLite):
every filter intersecting, Chinese keywords of one and two characters through the index
and confirmed, facets, seats, bad input named; and the same table of searches on
PostgreSQL with the same results."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from catalogue_support import CASES, PUBLISHED_NOW, build, searched, titles
from courses_helpers import NOW
from sqlalchemy import func, insert, select, text

from servicekit.clock import FixedClock
from servicekit.service import Runtime
from servicekit.settings import Settings
from servicekit.testing.runtimes import migrated
from services.courses.adapters.enrolment_repo import SqlEnrolmentRepository
from services.courses.adapters.orm import course_search_terms, course_seats, enrolments
from services.courses.adapters.search_index import SearchIndex
from services.courses.bootstrap import DEFINITION
from services.courses.domain.search import Keyword, SearchRequest
from services.courses.handlers import replica, search
from services.courses.routes.catalogue import CatalogueQuerySchema

PROBLEM = "urn:inservice:problem:"


@pytest.mark.parametrize(("query", "expected"), CASES, ids=[str(q) for q, _ in CASES])
def test_each_search_finds_exactly_its_courses_on_sqlite(api, query, expected) -> None:
    build(api.runtime)
    assert titles(api.runtime, **query) == expected


@pytest.fixture
def pg_catalogue(make_database, tmp_path):
    from courses_helpers import unit_events
    runtime = migrated(Runtime(DEFINITION, Settings.from_env("courses", {
        "MODE": "production", "DATABASE_URL": make_database("courses"),
        "DATA_DIR": str(tmp_path), "TOKEN_ISSUER": "https://inservice.test",
        "JWKS_URL": "http://127.0.0.1:9/jwks.json"}), FixedClock(NOW)))
    with runtime.database.session() as session:
        replica.apply_units(session, unit_events())
    build(runtime)
    yield runtime
    runtime.database.dispose()


@pytest.mark.postgres
def test_the_same_searches_find_the_same_courses_on_postgresql(pg_catalogue) -> None:
    for query, expected in CASES:
        assert titles(pg_catalogue, **query) == expected, query


def test_the_list_answers_total_facets_and_seats_as_the_detail_does(api) -> None:
    ids = build(api.runtime)
    course_id = ids["防災教育研習"]
    with api.runtime.database.session() as session:
        session.execute(insert(enrolments), [
            {"enrolment_id": f"00000000-0000-4000-8000-00000000000{n}", "course_id": course_id,
             "account_id": f"teacher-{n}", "status": status, "arrival": n, "created_at": NOW,
             "updated_at": NOW}
            for n, status in enumerate(("enrolled", "enrolled", "waitlisted", "cancelled"), 1)])
    answer = api.call("get", "/?q=防災")
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["total"] == 2 and body["sort"] == "relevance"
    assert body["facets"] == {
        "county": {"TPE": 1, "TXG": 1}, "category": {"teaching": 2},
        "tag": {"disaster_prevention": 2, "safety": 1},
        "time_slot": {"weekday_daytime": 2}}
    listed = {item["id"]: item for item in body["items"]}
    detail = api.call("get", f"/{course_id}").get_json()
    assert (listed[course_id]["enrolled"], listed[course_id]["waitlisted"]) == (2, 1)
    assert (detail["enrolled"], detail["waitlisted"]) == (2, 1)
    assert listed[ids["校園防災演練工作坊"]]["enrolled"] == 0
    # relevance: the title that starts with the keyword first
    assert [item["title"] for item in body["items"]] == ["防災教育研習", "校園防災演練工作坊"]


def test_sorts_and_pages(api) -> None:
    build(api.runtime)
    by_title = api.call("get", "/?sort=title&per_page=3").get_json()
    assert by_title["total"] == len(PUBLISHED_NOW)
    assert [i["title"] for i in by_title["items"]] == sorted(PUBLISHED_NOW)[:3]
    last = api.call("get", "/?sort=title&per_page=3&page=3").get_json()
    assert [i["title"] for i in last["items"]] == sorted(PUBLISHED_NOW)[6:]
    by_start = searched(api.runtime, sort="start_date", per_page=100)["items"]
    assert [i["starts_on"] for i in by_start] == sorted(i["starts_on"] for i in by_start)
    assert by_start[-1]["title"] == "性平教育案例研討"


def test_a_course_is_found_by_its_new_title_once_edited(api) -> None:
    ids = build(api.runtime)
    draft = ids["防災草稿"]
    answer = api.business("patch", f"/{draft}", json={"title": "海洋教育草稿"})
    assert answer.status_code == 200, answer.get_json()
    with api.runtime.database.session() as session:
        terms = set(session.scalars(select(course_search_terms.c.term)
                                    .where(course_search_terms.c.course_id == draft)))
        assert {"海洋", "草稿", "洋"} <= terms and "防災" not in terms
        assert session.scalar(select(func.count()).select_from(course_search_terms)
                              .where(course_search_terms.c.term == "防災")) == 3


@pytest.mark.parametrize(("query", "parameter", "slug"), [
    ("county=XXX", "county", "unknown-filter-value"),
    ("tag=no_such_tag", "tag", "unknown-filter-value"),
    ("category=nothing", "category", "unknown-filter-value"),
    ("start_from=2026-05-01&start_to=2026-04-01", "start_to", "reversed-range"),
    ("page=9", "page", "page-beyond-end"),
    ("sort=relevance", "sort", "relevance-without-keyword"),
    ("per_page=101", "per_page", "validation-failed"),
    ("q=" + "字" * 51, "q", "validation-failed"),
    ("start_from=yesterday", "start_from", "validation-failed"),
    ("sort=popular", "sort", "validation-failed"),
    ("colour=red", "colour", "validation-failed"),
])
def test_bad_input_is_a_problem_naming_the_parameter(api, query, parameter, slug) -> None:
    build(api.runtime)
    answer = api.call("get", f"/?{query}")
    assert answer.status_code == 422
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    body = answer.get_json()
    assert body["type"] == PROBLEM + slug
    assert parameter in body["errors"]


def test_an_empty_catalogue_answers_its_first_page_empty(api) -> None:
    body = api.call("get", "/?q=防災").get_json()
    assert body["total"] == 0 and body["items"] == []
    assert body["facets"] == {"county": {}, "category": {}, "tag": {}, "time_slot": {}}


def test_the_index_is_asked_for_a_keyword_never_the_whole_catalogue(api) -> None:
    """On SQLite the plan of a keyword search starts from the index's primary key."""
    build(api.runtime)
    request = SearchRequest(today=NOW.date(), q=Keyword.of("防災"), sort="relevance")
    with api.runtime.database.session() as session:
        index = SearchIndex(session)
        query = index.query(request, index.conditions(request, {"approved"}))
        compiled = str(query.compile(compile_kwargs={"literal_binds": True}))
        plan = " | ".join(str(row[-1]) for row in session.execute(
            text("EXPLAIN QUERY PLAN " + compiled)))
    assert "course_search_terms" in plan
    assert "SCAN courses" not in plan, plan


def test_a_keyword_shaped_like_a_code_finds_that_course(api) -> None:
    ids = build(api.runtime)
    code = api.call("get", f"/{ids['性平教育案例研討']}").get_json()["code"]
    assert titles(api.runtime, q=code) == {"性平教育案例研討"}
    assert titles(api.runtime, q=code[:-1] + "9") == set()


def test_open_now_is_a_window_open_with_seats_left(api) -> None:
    """R-CRS-9 ``open_now``: answered from the documents (revision 0015), which learn
    through the seat counter when their course turns full and when a seat comes free."""
    ids = build(api.runtime)
    full = ids["防災教育研習"]
    loaded = CatalogueQuerySchema().load({"open_now": "true", "per_page": "100"})
    # 2026-03-10 in Taipei: windows opened on 03-06 and close on each first day
    during = FixedClock(datetime(2026, 3, 10, 2, tzinfo=UTC))

    def open_now() -> set[str]:
        found = search.search(api.runtime.components.uow(), during, loaded)
        return {item["title"] for item in found["items"]}

    with api.runtime.database.session() as session:
        SqlEnrolmentRepository(session).move_counts(full, seated=39)  # one seat left
    assert open_now() == PUBLISHED_NOW
    with api.runtime.database.session() as session:
        assert SqlEnrolmentRepository(session).take_place(full, 10)[1] == "seat"  # the last
    assert open_now() == PUBLISHED_NOW - {"防災教育研習"}
    with api.runtime.database.session() as session:
        assert SqlEnrolmentRepository(session).take_place(full, 10)[1] == "wait"
        SqlEnrolmentRepository(session).move_counts(full, seated=-1)  # a seat given back
    assert open_now() == PUBLISHED_NOW
    with api.runtime.database.session() as session:  # and taken again by the waiting one
        SqlEnrolmentRepository(session).move_counts(full, seated=+1, waitlisted=-1)
        assert session.scalar(select(course_seats.c.enrolled)
                              .where(course_seats.c.course_id == full)) == 40
    assert open_now() == PUBLISHED_NOW - {"防災教育研習"}
    before = search.search(api.runtime.components.uow(), FixedClock(NOW), loaded)
    assert before["items"] == []  # not open yet
