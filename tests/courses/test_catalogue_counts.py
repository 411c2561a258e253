"""The catalogue at national scale (R-CRS-9, issue 11 "Measured"): searches by plain
filters alone answer their total and facets from counts kept with every publish, amend and
withdrawal, and these counts always equal counting the courses; on PostgreSQL a keyword is
looked up in a GIN index over the documents' terms, on SQLite in the term table, with the
same results; revision 0012 counts a live catalogue's courses."""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from catalogue_support import build, searched
from courses_factory import STARTS, add_course
from courses_helpers import FIRST_DAY, NOW
from sqlalchemy import event, func, insert, select, text, update

from servicekit.db import Database
from servicekit.migrations import upgrade
from services.courses.adapters.enrolment_repo import SqlEnrolmentRepository
from services.courses.adapters.orm import (
    course_search_counts,
    course_search_documents,
    course_search_terms,
    course_tags,
    courses,
)
from services.courses.adapters.search_index import Matches, SearchIndex, counted
from services.courses.bootstrap import DEFINITION
from services.courses.domain.access import PUBLISHED
from services.courses.domain.search import Keyword, SearchRequest

# Searches by plain filters alone (their facets come from the counts), with and without
# the courses that have ended; NOW is 2026-03-04 in Taipei.
FILTERS = [{}, {"include_past": True}, {"county": "TXG"}, {"county": "TPE", "include_past": True},
           {"tag": "gender_equity"}, {"tag": "disaster_prevention", "include_past": True},
           {"category": "professional"}, {"time_slot": "weekend", "include_past": True},
           {"tag": "safety", "county": "TXG", "category": "teaching"}, {"county": "KHH"}]


def _both_ways(session, **asked) -> tuple[dict, dict]:
    """The facets from the counts, and the same counted over the courses."""
    request = SearchRequest(today=NOW.date(), **asked)
    assert counted(request)
    index = SearchIndex(session)
    where = index.conditions(request, PUBLISHED)
    return index.counted_facets(request), index.facets(request, where)


def _assert_counts_are_the_courses(runtime) -> None:
    with runtime.database.session() as session:
        for asked in FILTERS:
            kept, recounted = _both_ways(session, **asked)
            assert kept == recounted, asked


def test_the_counts_equal_the_courses_as_they_are_published_amended_and_withdrawn(api) -> None:
    ids = build(api.runtime)
    _assert_counts_are_the_courses(api.runtime)
    assert searched(api.runtime)["total"] == 7
    assert searched(api.runtime, include_past="true")["facets"]["tag"] == {
        "disaster_prevention": 2, "gender_equity": 2, "safety": 1}
    moved = ids["防災教育研習"]
    with api.runtime.database.session() as session:
        # amended: another county, category, last day (an earlier month) and tags
        session.execute(update(courses).where(courses.c.course_id == moved).values(
            county_code="KHH", category="professional",
            ends_on=NOW.date() + timedelta(days=1)))
        session.execute(insert(course_tags).values(course_id=moved, tag_code="safety"))
        SearchIndex(session).refresh([moved])
        SearchIndex(session).refresh([moved])  # saved again unchanged: counted once
        # withdrawn from the catalogue, and an unpublished one published
        session.execute(update(courses).where(courses.c.course_id == ids["防火災害應變"])
                        .values(status="returned"))
        session.execute(update(courses).where(courses.c.course_id == ids["防災草稿"])
                        .values(status="approved"))
        SearchIndex(session).refresh([ids["防火災害應變"], ids["防災草稿"]])
    _assert_counts_are_the_courses(api.runtime)
    answer = searched(api.runtime, county="KHH")
    assert (answer["total"], answer["facets"]["tag"]) == (
        1, {"disaster_prevention": 1, "safety": 1})
    assert searched(api.runtime, time_slot="weekend", include_past="true")["total"] == 0
    with api.runtime.database.session() as session:  # nothing counted below zero
        assert session.scalar(select(func.min(course_search_counts.c.courses))) >= 0


def test_a_search_by_plain_filters_reads_the_counts_not_the_courses(api) -> None:
    build(api.runtime)
    with api.runtime.database.session() as session:
        session.execute(update(course_search_counts).where(course_search_counts.c.tag == "")
                        .values(courses=course_search_counts.c.courses + 1000))
    assert searched(api.runtime, include_past="true")["total"] > 1000  # the counts, read
    assert searched(api.runtime, q="防災")["total"] == 2  # a keyword: counted over courses
    assert not counted(SearchRequest(today=NOW.date(), audience="elementary"))
    assert not counted(SearchRequest(today=NOW.date(), q=Keyword.of("防災")))
    assert not counted(SearchRequest(today=NOW.date(), start_from=NOW.date()))  # not kept


@pytest.mark.postgres
def test_on_postgresql_the_counts_equal_the_courses_and_keywords_use_the_gin_index(
        pg_catalogue) -> None:
    _assert_counts_are_the_courses(pg_catalogue)
    with pg_catalogue.database.session() as session:
        assert session.scalar(select(func.count()).select_from(course_search_terms)) == 0
        session.execute(text("SET LOCAL enable_seqscan = off"))
        index = SearchIndex(session)
        query = select(course_search_documents.c.course_id).where(
            index.having(Keyword.of("防災 陳").terms()))
        compiled = str(query.compile(dialect=session.get_bind().dialect,
                                     compile_kwargs={"literal_binds": True}))
        plan = "\n".join(row[0] for row in session.execute(text("EXPLAIN " + compiled)))
    assert "ix_course_search_documents_terms" in plan, plan


DURING = datetime(2026, 3, 10, 2, tzinfo=UTC)  # the test courses' windows are open
# Keyword searches by plain filters alone, and any by them among the courses to come (R-CRS-9):
# their facets and page come from the documents.
KEYWORDS = [{"q": "防災"}, {"q": "防災", "include_past": True}, {"q": "教學", "county": "TXG"},
            {"q": "閱讀教學"}, {"lecturer": "陳"}, {"q": "防災", "tag": "safety"},
            {"q": "災", "sort": "start_date"}, {"q": "stem", "time_slot": "weekday_evening"},
            {"q": "教學", "category": "professional", "include_past": True},
            {"audience": "elementary"}, {"audience": "elementary", "q": "教學"},
            {"q": "防災", "sort": "newest", "include_past": True},
            # filters alone among the courses to come: the page in the documents' order
            {}, {"county": "TXG"}, {"tag": "gender_equity"}, {"unit": "193601"},
            {"tag": "safety", "county": "TXG"}, {"sort": "newest"},
            {"time_slot": "weekend", "sort": "newest"},
            # a range of first days (days_ahead), held by the documents too
            {"start_from": FIRST_DAY + timedelta(days=3)},
            {"start_from": FIRST_DAY, "start_to": FIRST_DAY + timedelta(days=5), "county": "TPE"},
            {"q": "教學", "start_to": FIRST_DAY + timedelta(days=5), "include_past": True},
            # windows open, seats left (revision 0015): 防災教育研習 is full (``_filled``)
            {"open_now": DURING}, {"open_now": DURING, "q": "防災"},
            {"open_now": DURING, "county": "TXG", "sort": "newest"},
            {"open_now": DURING, "tag": "gender_equity", "start_from": FIRST_DAY}]


def _filled(runtime, ids: dict[str, str]) -> None:
    """防災教育研習's 40 seats taken through the seat counter, as enrolments take them."""
    with runtime.database.session() as session:
        SqlEnrolmentRepository(session).move_counts(ids["防災教育研習"], seated=40)


class _FromCourses(SearchIndex):
    def from_documents(self, request: SearchRequest) -> bool:
        return False


def _assert_documents_answer_as_the_courses(runtime) -> None:
    with runtime.database.session() as session:
        for asked in KEYWORDS:
            request = SearchRequest(today=NOW.date(), **{
                "sort": "relevance" if "q" in asked else "start_date",  # as the edge's
                **{name: Keyword.of(value) if name in ("q", "lecturer") else value
                   for name, value in asked.items()}})
            ours, theirs = SearchIndex(session), _FromCourses(session)
            assert ours.from_documents(request)
            where = ours.conditions(request, PUBLISHED)
            assert ours.facets(request, where) == theirs.facets(request, where), asked
            assert ours.page(request, where) == theirs.page(request, where), asked
            assert ours.page(request, where), asked  # each finds something
            # read once (a keyword's, lecturer's or audience's exact match: its facets and
            # page from one read): the same facets, and the same page at any depth
            for paged in (request, replace(request, page=2, per_page=1)):
                assert ours.read_once(paged) == (Matches(
                    theirs.facets(paged, where), theirs.page(paged, where))
                    if {"q", "lecturer", "audience"} & set(asked) else None), (asked, paged)
            assert theirs.read_once(request) is None


def test_searches_the_documents_hold_answer_from_them_as_from_the_courses(
        api) -> None:
    _filled(api.runtime, build(api.runtime))
    _assert_documents_answer_as_the_courses(api.runtime)


@pytest.mark.postgres
def test_the_same_on_postgresql(pg_catalogue) -> None:
    _assert_documents_answer_as_the_courses(pg_catalogue)


def _document_reads(runtime, **query) -> tuple[dict, int]:
    """A search's answer, and how many of its statements read the documents."""
    reads = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("SELECT") and \
                "course_search_documents" in statement:
            reads.append(statement)
    event.listen(runtime.database.engine, "before_cursor_execute", seen)
    try:
        return searched(runtime, **query), len(reads)
    finally:
        event.remove(runtime.database.engine, "before_cursor_execute", seen)


def test_an_exact_match_reads_its_documents_once_for_its_facets_and_page(api) -> None:
    """R-CRS-9, issue 11: beside the first share that tells it is not large, an exact
    keyword match reads its documents once, its facets and page counted from that read."""
    build(api.runtime)
    answer, reads = _document_reads(api.runtime, q="防災", per_page=1, page=2)
    assert not answer["total_is_estimate"] and answer["total"] == 2
    assert len(answer["items"]) == 1 and sum(answer["facets"]["county"].values()) == 2
    assert reads == 2  # the first share, then the one read (facets, then page: 3)


@pytest.fixture
def pg_catalogue(make_database, tmp_path):
    from courses_helpers import unit_events

    from servicekit.clock import FixedClock
    from servicekit.service import Runtime
    from servicekit.settings import Settings
    from servicekit.testing.runtimes import migrated
    from services.courses.handlers import replica
    runtime = migrated(Runtime(DEFINITION, Settings.from_env("courses", {
        "MODE": "production", "DATABASE_URL": make_database("courses"),
        "DATA_DIR": str(tmp_path), "TOKEN_ISSUER": "https://inservice.test",
        "JWKS_URL": "http://127.0.0.1:9/jwks.json"}), FixedClock(NOW)))
    with runtime.database.session() as session:
        replica.apply_units(session, unit_events())
    _filled(runtime, build(runtime))
    yield runtime
    runtime.database.dispose()


def test_the_migration_counts_the_courses_published_before_it(tmp_path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'courses.sqlite3'}")
    try:
        upgrade(DEFINITION.migrations_dir, database, "0006")
        tagged = add_course(database, county_code="TPE")
        add_course(database, ends_on=STARTS + timedelta(days=40))
        add_course(database, status="draft")  # not published: not counted
        with database.session() as session:
            session.execute(insert(course_tags), [
                {"course_id": tagged, "tag_code": "safety"},
                {"course_id": tagged, "tag_code": "gender_equity"}])
        upgrade(DEFINITION.migrations_dir, database)
        with database.session() as session:
            k = course_search_counts.c
            years = Counter({(tag, also): n for tag, also, n in session.execute(
                select(k.tag, k.also_tag, func.sum(k.courses)).where(k.span == "y")
                .group_by(k.tag, k.also_tag))})
            assert years == Counter({("", ""): 2, ("", "safety"): 1, ("", "gender_equity"): 1,
                                     ("safety", ""): 1, ("safety", "safety"): 1,
                                     ("safety", "gender_equity"): 1, ("gender_equity", ""): 1,
                                     ("gender_equity", "gender_equity"): 1,
                                     ("gender_equity", "safety"): 1})
            # every year in one (revision 0016): what a search over every year reads
            every_year = Counter({(tag, also): n for tag, also, n in session.execute(
                select(k.tag, k.also_tag, func.sum(k.courses)).where(k.span == "a", k.period == 0)
                .group_by(k.tag, k.also_tag))})
            assert every_year == years
            request = SearchRequest(today=STARTS, include_past=True)
            index = SearchIndex(session)
            where = index.conditions(request, PUBLISHED)
            assert index.counted_facets(request) == index.facets(request, where)
            months = {row.period: row.n for row in session.execute(
                select(k.period, func.sum(k.courses).label("n"))
                .where(k.span == "m", k.tag == "", k.also_tag == "").group_by(k.period))}
            assert months == {202605: 1, 202606: 1}
    finally:
        database.dispose()
