"""Planning at the network's scale (R-CRS-13): how long a school's summary of its
teachers' plans and a county's list of submitted school plans take on PostgreSQL, with the
teachers' replica at 300,000 teachers over 1,000 schools.

    python -m bench.planning [--schools 1000] [--teachers-per-school 300] [--runs 30]

A throw-away database (bench/scratch.py) is migrated and loaded by COPY: the schools (one
county's reviewer sees 1/20 of them), their teachers, every school's submitted plan of
school year 115, and one school's teachers' plans (5 courses each, every teacher of the
school). Prints p50/p95/max in milliseconds of each call, through the handlers and the
unit of work as the API calls them (no HTTP)."""
from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import psycopg

from bench.scratch import databases, suffix
from servicekit.cli import migrate
from servicekit.clock import FixedClock
from servicekit.service import Runtime
from servicekit.settings import Settings
from servicekit.tokens import Principal
from services.courses.bootstrap import DEFINITION
from services.courses.handlers import planning

YEAR = 115
AT = datetime(2026, 9, 10, 2, 0, tzinfo=UTC)  # in the teacher window
COUNTIES = 20


def _school(n: int) -> str:
    return f"S{n:05d}"


def _teacher(school: int, n: int) -> str:
    return str(uuid.UUID(int=(school << 32) + n, version=4))


def _course(n: int) -> dict[str, Any]:
    return {"title": f"研習 {n}", "hours": "3.0", "month": "2026-10",
            "tags": ["disaster_prevention", "environment"][: n % 3],
            "theme": ["防災教育", "閱讀素養", None][n % 3], "target": "senior_high"}


def load(url: str, schools: int, per_school: int) -> None:
    now = datetime(2026, 9, 1, tzinfo=UTC)
    school_plan = json.dumps({"themes": ["防災教育", "閱讀素養"],
                              "courses": [_course(n) for n in range(12)],
                              "hours_per_teacher": "18",
                              "budget": [{"item": "講座鐘點費", "amount": 12000,
                                          "source": "教育部補助"}]})
    teacher_plan = json.dumps({"goals": ["精進教學"], "courses": [_course(n) for n in range(5)]})
    with psycopg.connect(url) as db:
        with db.cursor().copy("COPY unit_replica (code, name, unit_type, authority_code, "
                              "version, updated_at, county_code) FROM STDIN") as copy:
            for s in range(schools):
                county = f"C{s % COUNTIES:02d}"
                copy.write_row((_school(s), f"學校 {s}", "elementary_school", county, 1, now,
                                county))
        with db.cursor().copy("COPY teacher_replica (account_id, name, email, unit_code, "
                              "status, version, updated_at) FROM STDIN") as copy:
            for s in range(schools):
                for n in range(per_school):
                    copy.write_row((_teacher(s, n), f"教師 {s}-{n}", None, _school(s),
                                    "enabled", 1, now))
        with db.cursor().copy("COPY school_plans (unit_code, school_year, status, content, "
                              "version, created_at, updated_at, updated_by, submitted_at, "
                              "submitted_by) FROM STDIN") as copy:
            for s in range(schools):
                copy.write_row((_school(s), YEAR, "submitted", school_plan, 2, now, now,
                                "bench", now, "bench"))
        with db.cursor().copy("COPY teacher_plans (account_id, school_year, unit_code, content, "
                              "hours, version, created_at, updated_at) FROM STDIN") as copy:
            for n in range(per_school):
                copy.write_row((_teacher(0, n), YEAR, _school(0), teacher_plan, "15.0", 1,
                                now, now))
        db.execute("ANALYZE")


def timed(call: Callable[[], Any], runs: int) -> dict[str, float]:
    call()  # warm the connection pool and the caches
    took = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        took.append((time.perf_counter() - started) * 1000)
    took.sort()
    return {"p50_ms": round(statistics.median(took), 1),
            "p95_ms": round(took[max(0, int(len(took) * 0.95) - 1)], 1),
            "max_ms": round(took[-1], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schools", type=int, default=1000)
    parser.add_argument("--teachers-per-school", type=int, default=300)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    name = f"bench_planning_{suffix()}"
    with databases(name) as urls:
        settings = Settings.from_env("courses", {
            "MODE": "production", "DATABASE_URL": urls[name],
            "TOKEN_ISSUER": "https://inservice.test", "JWKS_URL": "http://127.0.0.1:9/jwks.json"})
        runtime = Runtime(DEFINITION, settings, clock=FixedClock(AT))
        migrate(runtime)
        started = time.perf_counter()
        load(urls[name].replace("postgresql+psycopg://", "postgresql://"), args.schools,
             args.teachers_per_school)
        loaded_s = round(time.perf_counter() - started, 1)
        parts = runtime.components
        school = Principal(subject="bench", roles=frozenset({"business"}), unit=_school(0))
        reviewer = Principal(subject="bench", roles=frozenset({"reviewer"}), authority="C00")
        summary = planning.teachers_summary(parts.uow(), runtime.clock, parts.planning, school,
                                            _school(0), YEAR)
        listed = planning.submitted_school_plans(parts.uow(), reviewer, YEAR, None)
        assert summary["with_plan"] == args.teachers_per_school
        figures = {
            "schools": args.schools, "teachers": args.schools * args.teachers_per_school,
            "load_s": loaded_s,
            "summary_of_one_school": timed(lambda: planning.teachers_summary(
                parts.uow(), runtime.clock, parts.planning, school, _school(0), YEAR),
                args.runs),
            "county_list": {"plans": listed["total"], **timed(
                lambda: planning.submitted_school_plans(parts.uow(), reviewer, YEAR, None),
                args.runs)},
        }
        runtime.database.dispose()
    print(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
