"""Scenario ``search`` (issue 11): the catalogue's cross search (R-CRS-9) on PostgreSQL at
20 k and 200 k courses (``make bench-search``; 2 M with ``make bench-search-national``).

30 mixed searches (one- and two-character Chinese keywords, common and rare; filters
alone; filters with keywords; tags; lecturers; deep pages), each answered whole as the
endpoint answers it — total, facets, the page with its seats — by the search use case in
this process (no HTTP: the web's own cost is the gateway and rush scenarios'). Baseline in
the same run, on the same tables: the same searches with keywords confirmed by a plain
``LIKE '%…%'`` scan and no index lookup, every match counted exactly. ``ratio`` is the
baseline's p95 over ours (ours estimates the total and facets of a match above the bound
from a sample: each search's entry says whether it did). Also
the index's size against the table's, and the time to build it. The catalogue comes from
``bench.data`` (repeatable from its seed)."""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from typing import Any

import psycopg
from sqlalchemy import Select, literal, select

from bench import data, scratch
from bench.results import RESULTS_DIR, load_average, write_result
from servicekit.clock import FixedClock
from servicekit.service import Runtime
from servicekit.settings import Settings
from services.courses.adapters.orm import course_search_documents, courses
from services.courses.adapters.search_index import SearchIndex
from services.courses.bootstrap import DEFINITION
from services.courses.domain.search import Keyword, SearchRequest
from services.courses.handlers import search
from services.courses.routes.catalogue import CatalogueQuerySchema

SCALES = (20_000, 200_000)
NATIONAL = (2_000_000,)
ROUNDS = 5  # each search asked this many times per scale (after one warming round)
NOW = data.TODAY  # the catalogue's "today"

QUERIES: list[dict[str, Any]] = [
    # one character, common and rare
    {"q": "教"}, {"q": "災", "include_past": True}, {"q": "鯨", "include_past": True},
    # two characters, common and rare
    {"q": "研習"}, {"q": "閱讀", "include_past": True}, {"q": "防災", "include_past": True},
    {"q": "性平"}, {"q": "數學", "include_past": True}, {"q": "海洋", "include_past": True},
    {"q": "客家", "include_past": True},
    # longer and Latin keywords
    {"q": "素養導向", "include_past": True}, {"q": "STEM", "include_past": True},
    {"q": "校務會議", "include_past": True},
    # filters alone
    {}, {"county": "TPE"}, {"county": "KHH", "include_past": True},
    {"category": "teaching", "time_slot": "weekend", "include_past": True},
    {"audience": "elementary", "include_past": True}, {"open_now": True},
    {"days_ahead": 30}, {"start_from": "2015-01-01", "start_to": "2015-12-31",
                         "include_past": True},
    # tags
    {"tag": "gender_equity", "include_past": True}, {"tag": "safety", "county": "TXG"},
    # filters with keywords
    {"q": "防災", "county": "TPE", "include_past": True},
    {"q": "閱讀", "category": "teaching", "sort": "newest", "include_past": True},
    {"lecturer": "陳", "include_past": True}, {"unit": "國小", "q": "教學"},
    # deep pages
    {"include_past": True, "sort": "title", "page": 200},
    {"q": "教學", "include_past": True, "page": 50},
    {"include_past": True, "sort": "newest", "page": 1000, "per_page": 10},
]
assert len(QUERIES) == 30


class LikeScan(SearchIndex):
    """The baseline: keywords matched by LIKE alone on the same folded text, no lookup in
    the index, and every total and facet counted over the courses found (no kept counts,
    no sample)."""

    def counted_facets(self, request: SearchRequest) -> None:
        return None

    def estimate(self, request: SearchRequest, where: list[Any]) -> None:
        return None

    def from_documents(self, request: SearchRequest) -> bool:
        return False

    def keyword_conditions(self, keyword: Keyword, prefix: str, text: Any,
                           key: Any = None) -> list[Any]:
        return [text.contains(run, autoescape=True) for run in keyword.runs]

    def source(self, request: SearchRequest) -> Select[Any]:
        if request.q.empty and request.lecturer.empty:
            return super().source(request)
        return select(literal(1)).select_from(
            courses.join(course_search_documents,
                         course_search_documents.c.course_id == courses.c.course_id))


GOAL = "p95 < 100 ms at 2 M courses; p95 growing < 3x from 20 k to 2 M"


def run(scales: tuple[int, ...] = SCALES, name: str = "search") -> dict[str, Any]:
    load_at_start = load_average()
    run_id = scratch.suffix()
    figures: dict[str, Any] = {"figure": "p95_ms", "baseline": "like_scan_p95_ms",
                               "goal": GOAL, "scales": {}}
    with scratch.databases(f"bench_search_{run_id}") as urls:
        [url] = urls.values()
        for scale in scales:
            timings = data.run(url, scale, log=lambda line: None, index=False)
            with psycopg.connect(url) as db:
                index_s = data.build_index(db, log=lambda line: None)
            data.vacuum(url)
            one = _scale(url, name, baseline=True)
            one.update(load_s=round(timings["courses_s"], 1), index_build_s=round(index_s, 1))
            print(f"{name}: {scale:,} courses: index built in {index_s:.0f} s", file=sys.stderr)
            figures["scales"][str(scale)] = one
    return _written(name, figures, load_at_start)


def run_national() -> dict[str, Any]:
    return run(SCALES + NATIONAL, "search-national")


def run_made(url: str, name: str, baseline: bool) -> dict[str, Any]:
    """The searches on a catalogue made beforehand (not written to: searches only). Its
    entry replaces the one of its size in ``<name>.json``; the other sizes are kept."""
    load_at_start = load_average()
    path = RESULTS_DIR / f"{name}.json"
    kept = json.loads(path.read_text()).get("scales", {}) if path.exists() else {}
    with psycopg.connect(url) as db:
        size = db.execute("SELECT count(*) FROM courses").fetchone()[0]  # type: ignore[index]
    one = _scale(url, name, baseline)
    one["catalogue_made_beforehand"] = True
    scales = {**kept, str(size): one}
    figures = {"figure": "p95_ms", "baseline": "like_scan_p95_ms", "goal": GOAL,
               "scales": dict(sorted(scales.items(), key=lambda item: int(item[0])))}
    return _written(name, figures, load_at_start)


def _scale(url: str, name: str, baseline: bool) -> dict[str, Any]:
    """One catalogue's figures: the searches (and their baseline), the index's size."""
    with psycopg.connect(url) as db:
        sizes = _sizes(db)
        size = db.execute("SELECT count(*) FROM courses").fetchone()[0]  # type: ignore[index]
    load = load_average()
    one = _measure(url, baseline)
    one.update(sizes, load_average_1m=[load, load_average()])
    print(f"{name}: {size:,} courses: p50 {one['p50_ms']} p95 {one['p95_ms']} "
          f"p99 {one['p99_ms']} ms; LIKE scan p95 {one.get('like_scan_p95_ms')} ms "
          f"(ratio {one.get('ratio')}); index {one['index_mb']} MB vs table "
          f"{one['table_mb']} MB; load {one['load_average_1m']}", file=sys.stderr)
    for entry in one["per_query_median_ms"]:
        print(f"  {entry['ms']:>8} {entry.get('like_scan_ms') or '':>8} "
              f"{'*' if entry['estimated'] else ' '} {entry['query']}", file=sys.stderr)
    return one


def _written(name: str, figures: dict[str, Any], load_at_start: float) -> dict[str, Any]:
    sizes = figures["scales"]
    if len(sizes) > 1:
        first, last = sizes[min(sizes, key=int)], sizes[max(sizes, key=int)]
        figures["p95_growth"] = round(last["p95_ms"] / first["p95_ms"], 2)
    parameters = {"queries": QUERIES, "rounds": ROUNDS, "seed": 2003,
                  "enrolment_scale": 0.1, "today": NOW.isoformat()}
    return write_result(name, figures, parameters, load_at_start)


def _measure(url: str, baseline: bool = True) -> dict[str, Any]:
    runtime = Runtime(DEFINITION, Settings.from_env("courses", {
        "DATABASE_URL": url.replace("postgresql://", "postgresql+psycopg://", 1)}))
    clock = FixedClock(data.datetime(NOW.year, NOW.month, NOW.day, 2, tzinfo=data.UTC))
    queries = [CatalogueQuerySchema().load({k: str(v).lower() if isinstance(v, bool) else str(v)
                                            for k, v in q.items()}) for q in QUERIES]
    try:
        ours, estimated = _timed(runtime, clock, queries, SearchIndex)
        like = _timed(runtime, clock, queries, LikeScan)[0] if baseline else None
    finally:
        runtime.database.dispose()
    flat = sorted(x for samples in ours for x in samples)
    figures: dict[str, Any] = {"p50_ms": _pct(flat, 50), "p95_ms": _pct(flat, 95),
                               "p99_ms": _pct(flat, 99)}
    if like is not None:
        flat_like = sorted(x for samples in like for x in samples)
        figures.update(like_scan_p50_ms=_pct(flat_like, 50),
                       like_scan_p95_ms=_pct(flat_like, 95),
                       like_scan_p99_ms=_pct(flat_like, 99),
                       ratio=round(_pct(flat_like, 95) / _pct(flat, 95), 2))
    figures["per_query_median_ms"] = [
        {"query": q, "ms": round(statistics.median(s), 1),
         "like_scan_ms": None if like is None else round(statistics.median(like[n]), 1),
         "estimated": e}
        for n, (q, s, e) in enumerate(zip(QUERIES, ours, estimated, strict=True))]
    return figures


def _timed(runtime: Runtime, clock: FixedClock, queries: list[dict[str, Any]],
           index: type[SearchIndex]) -> tuple[list[list[float]], list[bool]]:
    """Each search's times, and whether its total was an estimate (a match above the
    bound, counted over a sample)."""
    samples: list[list[float]] = [[] for _ in queries]
    estimated = [False for _ in queries]
    for round_ in range(ROUNDS + 1):
        for n, query in enumerate(queries):
            work = runtime.components.uow()
            work.open_repositories = _with(work.open_repositories, index)
            started = time.perf_counter()
            answer = search.search(work, clock, query)
            if round_:  # the first round warms the caches
                samples[n].append((time.perf_counter() - started) * 1000)
            estimated[n] = answer["total_is_estimate"]
    return samples, estimated


def _with(open_repositories: Any, index: type[SearchIndex]) -> Any:
    def opened(session: Any) -> None:
        open_repositories(session)
        open_repositories.__self__.search = index(session)
    return opened


def _sizes(db: psycopg.Connection[Any]) -> dict[str, float]:
    def mb(table: str) -> float:
        size = db.execute("SELECT pg_total_relation_size(%s)", (table,)).fetchone()[0]  # type: ignore[index]
        return round(size / 2**20, 1)
    index = (mb("course_search_terms") + mb("course_search_documents")
             + mb("course_search_counts"))
    table = mb("courses")
    return {"index_mb": round(index, 1), "table_mb": table,
            "index_over_table": round(index / table, 2),
            "terms": db.execute(  # type: ignore[index]
                "SELECT coalesce(sum(cardinality(string_to_array(terms, ' '))), 0) "
                "FROM course_search_documents").fetchone()[0],
            "counts": db.execute("SELECT count(*) FROM course_search_counts").fetchone()[0]}  # type: ignore[index]


def _pct(values: list[float], p: int) -> float:
    return round(values[min(len(values) - 1, int(len(values) * p / 100))], 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True,
                        help="a catalogue made by bench.data: postgresql://user@host:port/db")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the LIKE scan (for trying changes, not for the record)")
    parser.add_argument("--name", default="search-national",
                        help="the result file's scenario (default search-national)")
    args = parser.parse_args(argv)
    run_made(args.database_url, args.name, not args.no_baseline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
