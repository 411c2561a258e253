"""Scenario ``stats-national`` (issue 13, item 8): stats fed the national-scale history of
the courses generator (``python -m bench.data``) through courses' own backfill, then the
reports read on it.

    python -m bench stats-national            # a scratch catalogue of BENCH_STATS_COURSES
                                              # courses (20,000 by default; enrolments at
                                              # BENCH_STATS_ENROLMENT_SCALE, 0.1), dropped after
    python -m bench.stats_national --courses-database-url postgresql://…/courses \\
        --stats-database-url postgresql://…/stats [--batch 500]
                                              # a catalogue made beforehand, e.g. 2 M courses:
                                              # python -m bench.data --courses 2000000 …

Courses' ``announce-history`` reads the catalogue a page of courses at a time and makes
each course's events (registered with its hours, submitted, reviewed, the places its
teachers got, attendee lists and hours issued: what the generator made), and each page is
handed straight to stats' consumer handler (``intake.take``: the facts log and the figures,
one transaction per page), without the outbox and the broker in between. The generator
has no accounts database: the units stats needs are told from the catalogue's own unit
replica, as accounts' ``unit.registered`` (their authority is their county's, as the
generator draws them). Measured: events a second applied, and the p95 of reports read as
the ministry's viewer and a county's reviewer on the whole history."""
from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import sys
import threading
import time
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import text

from bench import scratch
from bench.results import load_average, write_result
from contracts.events import CATALOGUE
from contracts.events.accounts import UNIT_REGISTERED
from servicekit.cli import migrate
from servicekit.events import Envelope
from servicekit.service import Runtime
from servicekit.settings import Settings
from servicekit.tokens import Principal
from services.courses.bootstrap import DEFINITION as COURSES
from services.courses.handlers.history import DEFAULT_BATCH, announce_history
from services.stats.bootstrap import DEFINITION as STATS
from services.stats.handlers import intake, reports

TODAY = date(2026, 12, 1)  # the generator's fixed today
ROUNDS = 10
VIEWER = Principal("bench-viewer", frozenset({"viewer"}))
REVIEWER = Principal("bench-reviewer", frozenset({"reviewer"}), authority="TPE")
_YEAR = {"from": "2025-12", "to": "2026-11"}
REPORTS: list[tuple[str, Principal, dict[str, Any]]] = [
    ("enrolments", VIEWER, _YEAR), ("enrolments", VIEWER, {"from": "2003-01", "to": "2026-11"}),
    ("enrolments", REVIEWER, _YEAR), ("courses-registered", VIEWER, _YEAR),
    ("courses-registered", REVIEWER, _YEAR),
    ("reviews", VIEWER, {"period": "day", "from": "2026-09-01", "to": "2026-11-30"}),
    ("yearbook", VIEWER, {}), ("courses-held", VIEWER, _YEAR), ("areas", VIEWER, _YEAR),
    ("areas", VIEWER, {**_YEAR, "by": "unit_type"}), ("areas", REVIEWER, {**_YEAR, "by": "unit"}),
    ("tags", VIEWER, _YEAR), ("meeting-keywords", VIEWER, _YEAR),
]


def _url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def units_told(courses: Runtime, stats: Runtime) -> int:
    """The catalogue's units, as accounts would announce them."""
    with courses.database.engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT code, name, unit_type, authority_code, county_code FROM unit_replica "
            "ORDER BY code")).all()
    at = datetime(2003, 1, 1, tzinfo=UTC)
    events = [Envelope(type=UNIT_REGISTERED, source="accounts", correlation_id="bench", time=at,
                       data=CATALOGUE.validate_data(UNIT_REGISTERED, {
                           "unit_code": code, "name": name, "unit_type": unit_type,
                           "authority_code": authority, "county_code": county, "version": 1}))
              for code, name, unit_type, authority, county in rows]
    with stats.database.session() as session:
        intake.take(session, [(CATALOGUE.load_data(e), e) for e in events])
    return len(events)


# Events a stats transaction takes in the bulk backfill: figures are sums, so the more
# events a transaction holds, the more of them land on the same figure rows (a course's
# places all on its window's day and unit) and the fewer rows its one upsert writes.
BULK_EVENTS = 50_000


class _Applying(threading.Thread):
    """Stats' side of the backfill in a thread of its own: while it waits for stats'
    server to write one transaction, courses' side reads the catalogue and makes the next
    events (the client's CPU and the server's then overlap)."""

    def __init__(self, stats: Runtime) -> None:
        super().__init__(name="stats-backfill", daemon=True)
        self.stats = stats
        self.work: queue.Queue[list[Envelope] | None] = queue.Queue(maxsize=2)
        self.applied, self.applying = 0, 0.0
        self.error: BaseException | None = None

    def run(self) -> None:
        while (events := self.work.get()) is not None:
            if self.error is None:
                try:
                    started = time.perf_counter()
                    self.applied += apply_in_one_transaction(self.stats, events)
                    self.applying += time.perf_counter() - started
                except BaseException as error:  # handed to the announcing side, which stops
                    self.error = error

    def put(self, events: list[Envelope] | None) -> None:
        if self.error is not None:
            raise RuntimeError("stats could not apply the backfill") from self.error
        self.work.put(events)


def apply_in_one_transaction(stats: Runtime, events: list[Envelope]) -> int:
    """The consumer's handler (``intake.take``) on events of the types stats counts, each
    run of one type together, in one transaction: what the consumer does with a batch."""
    counted = set(intake.APPLIERS)
    loaded = [(CATALOGUE.load_data(e), e) for e in events if e.type in counted]
    with stats.database.session() as session:
        intake.take_in_runs(session, loaded)
    return len(loaded)


def backfill(courses: Runtime, stats: Runtime, batch: int, log: Any,
             transaction_events: int = BULK_EVENTS) -> dict[str, Any]:
    """Courses' ``announce-history`` handing its pages to stats' handler, gathered into
    transactions of at least ``transaction_events`` events (whole pages), applied in a
    thread of their own."""
    applying = _Applying(stats)
    applying.start()
    gathered: list[Envelope] = []

    def deliver(events: list[Envelope]) -> None:
        gathered.extend(events)
        if len(gathered) >= transaction_events:
            applying.put(gathered[:])
            gathered.clear()

    def progress(counts: dict[str, int]) -> None:
        if counts["courses"] % 100_000 == 0:
            log(f"stats-national: {counts['courses']:,} courses told, "
                f"{applying.applied:,} events applied, {time.perf_counter() - started:.0f} s")

    started = time.perf_counter()
    try:
        counts = announce_history(courses.database, courses.outbox, batch, progress=progress,
                                  deliver=deliver)
        applying.put(gathered)
    finally:
        applying.work.put(None)
        applying.join()
    if applying.error is not None:
        raise RuntimeError("stats could not apply the backfill") from applying.error
    elapsed = time.perf_counter() - started
    return {"told": counts, "events_applied": applying.applied,
            "applied_per_second": round(applying.applied / elapsed) if elapsed else 0,
            "stats_busy_s": round(applying.applying, 1), "backfill_s": round(elapsed, 1),
            "transaction_events": transaction_events}


def read_reports(stats: Runtime) -> dict[str, float]:
    uow = stats.components.uow
    samples: dict[str, list[float]] = {}
    for _ in range(ROUNDS):
        for name, principal, query in REPORTS:
            started = time.perf_counter()
            reports.read_report(uow, principal, name, dict(query), TODAY)
            samples.setdefault(name, []).append(time.perf_counter() - started)
    every = [s for values in samples.values() for s in values]
    return {"reports_p95_ms": round(statistics.quantiles(every, n=20)[18] * 1000, 2),
            "slowest_report_median_ms": round(max(statistics.median(v) for v in
                                                  samples.values()) * 1000, 2)}


def measure(courses_url: str, stats_url: str, batch: int, log: Any = print,
            transaction_events: int = BULK_EVENTS) -> dict[str, Any]:
    courses = Runtime(COURSES, Settings.from_env("courses", {"DATABASE_URL": _url(courses_url)}))
    stats = Runtime(STATS, Settings.from_env("stats", {"DATABASE_URL": _url(stats_url)}))
    try:
        migrate(stats)
        units = units_told(courses, stats)
        figures = {"units": units, **backfill(courses, stats, batch, log, transaction_events)}
        return {**figures, **what_it_holds(stats), **read_reports(stats)}
    finally:
        courses.database.dispose()
        stats.database.dispose()


def what_it_holds(stats: Runtime) -> dict[str, Any]:
    """Rows and sizes of the facts and the figures (analysed first, as autovacuum would)."""
    figures = {}
    with stats.database.engine.begin() as connection:
        connection.execute(text("ANALYZE"))
        for table in ("figures", "facts"):
            figures[f"{table}_rows"] = connection.scalar(text(f"SELECT count(*) FROM {table}"))
            figures[f"{table}_mb"] = round(connection.scalar(text(
                f"SELECT pg_total_relation_size('{table}')")) / 2**20)
        figures["database_mb"] = round(connection.scalar(text(
            "SELECT pg_database_size(current_database())")) / 2**20)
    return figures


def reports_only(stats_url: str) -> dict[str, Any]:
    """The reports read on a stats fed before (a backfill stopped part way included: it
    commits whole transactions of whole courses, in the order of their random ids)."""
    stats = Runtime(STATS, Settings.from_env("stats", {"DATABASE_URL": _url(stats_url)}))
    try:
        return {**what_it_holds(stats), **read_reports(stats)}
    finally:
        stats.database.dispose()


def run() -> dict[str, Any]:
    from bench import data
    load = load_average()
    size = int(os.environ.get("BENCH_STATS_COURSES", "20000"))
    scale = float(os.environ.get("BENCH_STATS_ENROLMENT_SCALE", "0.1"))
    name = f"bench_stats_national_{scratch.suffix()}"
    with scratch.databases(f"{name}_courses", f"{name}_stats") as urls:
        log = lambda line: print(line, file=sys.stderr)  # noqa: E731
        data.run(urls[f"{name}_courses"], size, enrolment_scale=scale, index=False, log=log)
        figures = measure(urls[f"{name}_courses"], urls[f"{name}_stats"], DEFAULT_BATCH, log)
    result = write_result("stats-national", figures, {
        "courses": size, "enrolment_scale": scale, "batch": DEFAULT_BATCH, "rounds": ROUNDS,
        "reports": len(REPORTS)}, load)
    print(result)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.stats_national", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--courses-database-url",
                        help="a catalogue made by python -m bench.data")
    parser.add_argument("--stats-database-url", required=True,
                        help="an empty database for stats (created beforehand)")
    parser.add_argument("--batch", type=int, default=DEFAULT_BATCH, help="courses per page")
    parser.add_argument("--transaction-events", type=int, default=BULK_EVENTS,
                        help="events stats applies in one transaction (whole pages)")
    parser.add_argument("--reports-only", action="store_true",
                        help="only read the reports of a stats database fed before")
    args = parser.parse_args(argv)
    if args.reports_only:
        print(json.dumps(reports_only(args.stats_database_url), default=str))
        return 0
    if not args.courses_database_url:
        parser.error("--courses-database-url is required to feed stats")
    figures = measure(args.courses_database_url, args.stats_database_url, args.batch,
                      log=lambda line: print(line, file=sys.stderr),
                      transaction_events=args.transaction_events)
    print(json.dumps(figures, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
