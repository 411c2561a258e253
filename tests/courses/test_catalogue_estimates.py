"""A large match's total and facets are estimated from a sample and marked so (R-CRS-9,
issue 11 "Measured"): never below the bound, always marked above it, the same page either
way where the page is read in order; by relevance only the most recent matches are ranked,
and marked. The bound and the sample are lowered here so that the small catalogue of
``catalogue_support`` crosses them; on SQLite and on PostgreSQL."""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from catalogue_support import build, searched
from courses_helpers import FIRST_DAY, NOW
from sqlalchemy import and_, event, select, text
from sqlalchemy.dialects import postgresql, sqlite

from servicekit.clock import FixedClock
from servicekit.db import Database
from servicekit.migrations import upgrade
from servicekit.service import Runtime
from servicekit.settings import Settings
from servicekit.testing.runtimes import migrated
from services.courses.adapters import search_index
from services.courses.adapters.orm import course_search_documents
from services.courses.bootstrap import DEFINITION
from services.courses.domain.access import PUBLISHED
from services.courses.domain.search import Keyword, SearchRequest
from services.courses.handlers import replica

EXACT = {"total_is_estimate": False, "facets_approximate": False,
         "relevance_approximate": False}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def catalogue(request, tmp_path):
    """The catalogue on either database, and title → course id."""
    from courses_helpers import unit_events
    url = (f"sqlite:///{tmp_path / 'courses.sqlite3'}" if request.param == "sqlite"
           else request.getfixturevalue("make_database")("courses"))
    runtime = migrated(Runtime(DEFINITION, Settings.from_env("courses", {
        "MODE": "production", "DATABASE_URL": url, "DATA_DIR": str(tmp_path),
        "TOKEN_ISSUER": "https://inservice.test",
        "JWKS_URL": "http://127.0.0.1:9/jwks.json"}), FixedClock(NOW)))
    with runtime.database.session() as session:
        replica.apply_units(session, unit_events())
    ids = build(runtime)
    yield runtime, ids
    runtime.database.dispose()


@pytest.fixture
def bound_of_two(monkeypatch):
    """Approximate above two matches; the first sample is the whole catalogue (so that
    whether a match is large is told exactly)."""
    monkeypatch.setattr(search_index, "APPROXIMATE_ABOVE", 2)
    monkeypatch.setattr(search_index, "FIRST_SHARES", search_index.SHARES)


def _flags(answer: dict) -> dict:
    return {name: answer[name] for name in EXACT}


def test_a_search_is_exact_and_says_so_at_the_bound(catalogue, bound_of_two) -> None:
    runtime, _ = catalogue
    answer = searched(runtime, q="防災")  # two courses: at the bound, not above
    assert _flags(answer) == EXACT
    assert answer["total"] == 2
    assert answer["facets"]["county"] == {"TPE": 1, "TXG": 1}


def test_a_match_above_the_bound_is_estimated_and_marked(catalogue, monkeypatch) -> None:
    runtime, _ = catalogue
    exact = searched(runtime, q="教學")  # three courses, the default bound
    assert _flags(exact) == EXACT and exact["total"] == 3
    monkeypatch.setattr(search_index, "APPROXIMATE_ABOVE", 2)
    monkeypatch.setattr(search_index, "FIRST_SHARES", search_index.SHARES)
    estimated = searched(runtime, q="教學")
    assert _flags(estimated) == {"total_is_estimate": True, "facets_approximate": True,
                                 "relevance_approximate": False}
    # the sample is the whole catalogue here: the estimate is the count
    assert (estimated["total"], estimated["facets"]) == (3, exact["facets"])
    assert [item["id"] for item in estimated["items"]] == [item["id"] for item in exact["items"]]


def test_the_facets_are_scaled_from_the_share_of_the_ids_sampled(catalogue, monkeypatch
                                                                 ) -> None:
    """Five courses hold 教; the sample is the ids below ``67`` (103 of 256 shares), never
    grown: what it finds, times 256/103, unless that is not above the bound, when the
    match is counted exactly after all."""
    runtime, ids = catalogue
    monkeypatch.setattr(search_index, "APPROXIMATE_ABOVE", 2)
    monkeypatch.setattr(search_index, "FIRST_SHARES", 103)
    monkeypatch.setattr(search_index, "SAMPLED_MATCHES", 0)
    holding = [ids[title] for title in ("防災教育研習", "閱讀讀教學觀摩", "閱讀教學策略",
                                        "性平教育案例研討", "ＳＴＥＭ跨域教學")]
    sampled = sum(1 for course_id in holding if course_id < "67")
    answer = searched(runtime, q="教")
    if sampled * 256 // 103 > 2:
        assert answer["total"] == sampled * 256 // 103 and answer["total_is_estimate"]
        assert sum(answer["facets"]["time_slot"].values()) in range(
            answer["total"] - 2, answer["total"] + 3)  # each facet rounded on its own
    else:
        assert (answer["total"], _flags(answer)) == (5, EXACT)


def test_a_large_match_by_relevance_ranks_its_most_recent_courses(catalogue, bound_of_two,
                                                                  monkeypatch) -> None:
    runtime, ids = catalogue
    monkeypatch.setattr(search_index, "RANKED_WINDOW", 1)
    # 教學: 閱讀教學策略 ends last (FIRST_DAY + 10), the window of one page of one course
    answer = searched(runtime, q="教學", per_page=1)
    assert answer["relevance_approximate"] and answer["total_is_estimate"]
    assert [item["id"] for item in answer["items"]] == [ids["閱讀教學策略"]]
    # the second page ranks the two most recent (ended FIRST_DAY + 10 and + 5)
    second = searched(runtime, q="教學", per_page=1, page=2)
    assert [item["id"] for item in second["items"]] == [ids["ＳＴＥＭ跨域教學"]]


def test_a_large_match_over_every_year_in_order_gives_the_exact_page(catalogue,
                                                                      monkeypatch) -> None:
    runtime, _ = catalogue
    asked = {"q": "研習", "include_past": "true", "sort": "start_date"}
    exact = searched(runtime, **asked)
    monkeypatch.setattr(search_index, "APPROXIMATE_ABOVE", 1)
    monkeypatch.setattr(search_index, "FIRST_SHARES", search_index.SHARES)
    estimated = searched(runtime, **asked)
    assert estimated["total_is_estimate"] and exact["total"] == 2
    assert [item["id"] for item in estimated["items"]] == [item["id"] for item in exact["items"]]


def test_a_large_match_of_filters_the_documents_lack_is_estimated_too(catalogue, bound_of_two
                                                                      ) -> None:
    runtime, _ = catalogue
    answer = searched(runtime, start_from=FIRST_DAY.isoformat(),  # six courses
                      start_to=(FIRST_DAY + timedelta(days=10)).isoformat())
    assert answer["total"] == 6 and answer["total_is_estimate"]
    assert answer["facets"]["time_slot"] == {"weekday_daytime": 4, "weekday_evening": 1,
                                             "weekend": 1}
    assert answer["facets"]["tag"] == {"disaster_prevention": 2, "gender_equity": 1,
                                       "safety": 1}
    assert len(answer["items"]) == 6


def test_the_tags_of_a_search_read_from_the_courses_are_counted_exactly(catalogue) -> None:
    """On PostgreSQL the tags are counted through the ids found (an array), on SQLite
    joined: the same counts."""
    runtime, _ = catalogue
    answer = searched(runtime, start_from=FIRST_DAY.isoformat(),
                      start_to=(FIRST_DAY + timedelta(days=3)).isoformat())
    assert _flags(answer) == EXACT and answer["total"] == 4
    assert answer["facets"]["tag"] == {"disaster_prevention": 2, "safety": 1}


def test_a_page_past_an_estimated_total_is_empty_not_refused(catalogue, bound_of_two) -> None:
    runtime, _ = catalogue
    answer = searched(runtime, q="教學", page=5)
    assert answer["total_is_estimate"] and answer["items"] == []


def test_the_documents_hold_the_unit_of_a_published_course(catalogue) -> None:
    runtime, ids = catalogue
    with runtime.database.session() as session:
        units = dict(session.execute(select(course_search_documents.c.course_id,
                                            course_search_documents.c.unit_code)).all())
    assert units[ids["閱讀教學策略"]] == "193601"
    assert units[ids["防災草稿"]] is None  # a draft's document holds none of its values


class _FromCourses(search_index.SearchIndex):
    def from_documents(self, request: SearchRequest) -> bool:
        return False


@pytest.mark.parametrize("window", [1, 3, 4])
def test_the_ranked_window_read_off_the_sample_counted_per_day_is_the_courses_one(
        catalogue, monkeypatch, window) -> None:
    """Over the documents the sample's last days are counted in the pass that counts its
    facets, and the window's first day read off those counts: the same day as the
    ``window``-th latest last day read in order from the courses."""
    runtime, _ = catalogue
    monkeypatch.setattr(search_index, "RANKED_WINDOW", window)
    request = SearchRequest(today=NOW.date(), q=Keyword.of("教學"), sort="relevance",
                            include_past=True, per_page=1)
    with runtime.database.session() as session:
        ours, theirs = search_index.SearchIndex(session), _FromCourses(session)
        assert ours.from_documents(request)
        where = ours.conditions(request, PUBLISHED)
        days: Counter[date] = Counter()
        ours._document_facets(request, days=days)
        assert sum(days.values()) == 3  # every published 教學 course
        expected = theirs._recent_window(request, where, search_index.SHARES, Counter())
        assert ours._recent_window(request, where, search_index.SHARES, days) == expected
        assert (expected is None) == (max(window, 2) > 3)


@pytest.mark.parametrize(("matches", "shares"), [
    (10_001, 16), (16_000, 16), (32_000, 8), (60_000, 8), (64_000, 4), (155_000, 2),
    (256_000, 1), (2_000_000, 1)])
def test_a_sample_takes_the_smallest_indexed_share_expected_to_hold_enough(
        matches, shares) -> None:
    """Revision 0016: a large match is sampled over one of the shares that have a GIN
    index of their own: the smallest holding about ``SAMPLED_MATCHES`` of its matches, or
    the largest for a match just above the bound (about 625 of 10,000)."""
    assert search_index._sample_shares(matches) == shares
    assert shares * matches >= 600 * 256


@pytest.mark.parametrize("shares", search_index.SAMPLE_SHARES)  # the first share among them
def test_a_samples_range_is_the_predicate_of_its_shares_gin_index(shares) -> None:
    """Revision 0016: a sample share's statement names its range of ids as the partial GIN
    index of that share is defined (literally, apart from the other shares'), so that on
    PostgreSQL only that index can answer it, not the whole one (a common word's whole
    posting list decoded on every pass)."""
    d = course_search_documents.c
    [index] = [index for index in course_search_documents.indexes
               if index.name == f"ix_course_search_documents_terms_{shares:02}"]
    said = str(and_(*search_index._sample(d.course_id, shares)).compile(
        dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    assert said.replace("course_search_documents.", "") == str(
        index.dialect_options["postgresql"]["where"])


@pytest.mark.postgres
@pytest.mark.parametrize("sort", ["title", "newest", "start_date"])
def test_on_postgresql_a_deep_page_over_every_year_is_read_from_the_sort_index_alone(
        make_database, sort) -> None:
    """Revision 0016: the sort indexes include the status and the id, so that the courses
    a deep page skips (the 200th by title: 3,980) are index entries, not course rows."""
    database = Database(make_database("courses"))
    try:
        upgrade(DEFINITION.migrations_dir, database)
        with database.session() as session:
            for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
                session.execute(text(f"SET LOCAL {setting} = off"))
            index = search_index.SearchIndex(session)
            request = SearchRequest(today=NOW.date(), include_past=True, sort=sort, page=200)
            query = index.query(request, index.conditions(request, PUBLISHED))
            compiled = str(query.compile(dialect=session.get_bind().dialect,
                                         compile_kwargs={"literal_binds": True}))
            plan = "\n".join(row[0] for row in session.execute(text("EXPLAIN " + compiled)))
        assert "Index Only Scan" in plan, plan
    finally:
        database.dispose()


class _Shares(search_index.SearchIndex):
    """A match of ``matches`` courses, each share of the ids holding its part of them
    (``first``: what the first share holds, as drawn), and the shares counted."""

    def __init__(self, matches: int, first: int) -> None:
        super().__init__(session=None)  # type: ignore[arg-type]
        self.matches, self.first, self.counted = matches, first, []

    def _sampled_facets(self, request, where, shares, days):
        self.counted.append(shares)
        n = self.first if shares == search_index.FIRST_SHARES else \
            self.matches * shares // search_index.SHARES
        return {name: {"TPE": n} for name in ("county", "category", "time_slot")} | {"tag": {}}


@pytest.mark.parametrize(("matches", "first", "counted", "estimated"), [
    (1_000, 4, [1], False),  # far below the bound: exact, after the first share alone
    (8_405, 44, [1, 16], False),  # drawn above, below on 1/16: exact after two shares
    (8_000, 20, [1, 16], False),  # near the bound: confirmed on 1/16
    (12_524, 36, [1, 16], True),  # drawn below, above on 1/16: estimated, not read whole
    (155_000, 600, [1, 2], True)])  # large: sampled over about 1,000
def test_a_match_near_the_bound_is_told_large_or_not_over_the_largest_share(
        matches, first, counted, estimated) -> None:
    """Revision 0016: the first share (1/256, some 40 matches near the bound) tells only
    whether a match is far below the bound; near it, the largest sample share (1/16, some
    600) tells, so that 12,524 matches the first share put at 9,216 are estimated rather
    than read whole, and 8,405 it put at 11,264 are counted twice, not three times."""
    index = _Shares(matches, first)
    request = SearchRequest(today=NOW.date(), q=Keyword.of("防災"), include_past=True,
                            sort="start_date")
    found = index.estimate(request, [])
    assert index.counted == counted
    assert (found is not None) == estimated
    if found is not None:
        assert found.total == matches * counted[-1] // 256 * 256 // counted[-1]


@pytest.mark.parametrize(("matches", "counted", "estimated"), [
    (87_040, [4], True),  # the year 2015 at 2 M: its first share is its sample
    (1_000, [4], False),  # far below the bound: exact after the first share
    (20_000, [4, 16], True)])  # a first share short of a sample: one of about 1,000
def test_a_search_read_from_the_courses_starts_from_a_larger_share(
        matches, counted, estimated) -> None:
    """Each pass over the courses builds its filters' whole bitmap (the year 2015 at 2 M:
    88,000 entries): the first share, 4/256, is already the sample of a large match."""
    index = _Shares(matches, first=0)
    request = SearchRequest(today=NOW.date(), include_past=True,
                            start_from=date(2015, 1, 1), start_to=date(2015, 12, 31))
    assert not index.from_documents(request)
    found = index.estimate(request, [])
    assert index.counted == counted
    assert (found is not None) == estimated


def test_on_postgresql_the_first_last_day_asked_is_written_into_the_statement() -> None:
    """Revision 0016: a search among the courses to come (and a ranked window) names its
    first last day in the statement, so that PostgreSQL proves it within the GIN index of
    the recent documents (a partial index) and looks its keywords up there, not in every
    year's posting lists; on SQLite it stays bound."""
    request = SearchRequest(today=NOW.date(), q=Keyword.of("教學"))
    for dialect, said in ((postgresql.dialect(), f"DATE '{NOW.date().isoformat()}'"),
                          (sqlite.dialect(), "?")):
        index = search_index.SearchIndex(session=None)  # type: ignore[arg-type]
        index._dialect = lambda name=dialect.name: name  # type: ignore[method-assign]
        statement = str(and_(*index._document_conditions(request)).compile(dialect=dialect))
        assert f"course_search_documents.ends_on >= {said}" in statement, statement


def test_a_search_read_from_the_courses_counts_its_facets_in_one_statement(catalogue
                                                                          ) -> None:
    """The courses found are counted by county, category and time slot and by tag in one
    statement (on PostgreSQL they are found once for both): the first share's, then the
    exact one's; each was two."""
    runtime, _ = catalogue
    counting = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:
        if "count(" in statement and "FROM courses" in statement:
            counting.append(statement)
    event.listen(runtime.database.engine, "before_cursor_execute", seen)
    try:
        answer = searched(runtime, start_from=FIRST_DAY.isoformat(), include_past="true",
                          start_to=(FIRST_DAY + timedelta(days=3)).isoformat())
    finally:
        event.remove(runtime.database.engine, "before_cursor_execute", seen)
    assert _flags(answer) == EXACT and answer["total"] == 4
    assert len(counting) == 2, counting
