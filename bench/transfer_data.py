"""The transfer service's national-scale records (issue 12, item 8), loaded by COPY into
its own database: called by ``python -m bench.data --transfer-database-url …``.

The seed's sources: 5 counties and 16 units pushing daily, 3 units sending monthly
files, all in production with their onboarding steps; 1,234,961 courses and 31,064,799
attendance records at full scale (``scale`` 1.0; 0.01 gives 12,350 courses and about
310,000 records), courses starting after the freeze (2013 on), about 25 attendees each,
teachers and schools drawn from the same units and account ids as the courses catalogue
(``bench.data``), so both databases speak of the same people. The units (names and
counties) go into transfer's replica too, so the county export has its schools.

Repeatable: block ``b`` of courses is drawn from its own generator (seed, block), so the
same seed gives the same records, and a load of whole blocks grown later equals a larger
one loaded at once; a database that holds the courses asked for already is left as it
is. The records go in as the service stores them (year partitions made
first, digests as the service computes them); no events are written — ``python -m
services.transfer announce-records`` publishes them when a consumer needs them."""
from __future__ import annotations

import json
import random
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg

from bench.data import (
    FORMS,
    GIVEN,
    SURNAMES,
    _teacher_id,
    _title,
    _units,
)
from contracts.vocabulary import COUNTIES
from services.transfer.domain.records import Attendance, Course
from services.transfer.domain.titles import title_digest

FULL_COURSES = 1_234_961
FULL_RECORDS = 31_064_799
RECORDS_PER_COURSE = FULL_RECORDS / FULL_COURSES  # 25.15
FULL_TEACHERS = 300_000
BLOCK = 10_000
FIRST_DAY, LAST_DAY = date(2013, 1, 1), date(2026, 11, 30)
PUSH_COUNTIES = ("TPE", "NWT", "TXG", "TNN", "KHH")
# Courses per source: a county's system reports most, a unit's less, a file sender least.
WEIGHTS = {"county": 10, "unit": 2, "file": 3}
CLASS_TYPES = ("研習", "工作坊", "研討會", "線上課程")
CATEGORIES = ("語文", "數學", "自然科學", "社會", "藝術", "綜合活動", "健康與體育", "科技")
NOW = datetime(2026, 12, 1, tzinfo=UTC)

COURSE_COLUMNS = ("source", "course_key", "start_year", "digest", "title", "title_digest",
                  "organiser_unit_code", "county_code", "start_date", "end_date", "hours",
                  "class_type", "category", "tags", "lecturers", "trial", "version",
                  "withdrawn_reason", "updated_at")
ATTENDANCE_COLUMNS = ("source", "course_key", "account_id", "start_year", "digest",
                      "teacher_name", "school_code", "hours", "completed_on", "trial",
                      "version", "withdrawn_reason", "updated_at")


def sources(units: list[tuple[str, str, str, str]]) -> list[tuple[str, str, str, str, str]]:
    """(code, name, owner unit, mode, kind): 5 counties and 16 units push, 3 send files."""
    made = []
    for county in PUSH_COUNTIES:
        owner = next((u[0] for u in units if u[3] == county), units[0][0])
        made.append((f"county-{county.lower()}", f"{COUNTIES[county]}教師研習系統", owner,
                     "daily_push", "county"))
    for n in range(16):
        code, name = units[n % len(units)][:2]
        made.append((f"unit-{n + 1:02d}", f"{name}研習系統", code, "daily_push", "unit"))
    for n in range(3):
        code, name = units[(16 + n) % len(units)][:2]
        made.append((f"file-{n + 1:02d}", f"{name}（月報檔）", code, "monthly_file", "file"))
    return made


def run(database_url: str, scale: float, seed: int = 2003, log: Any = print) -> dict[str, Any]:
    courses = max(1, round(FULL_COURSES * scale))
    teachers = max(100, int(FULL_TEACHERS * scale))
    units = _units(max(50, courses // 100), seed)
    _migrate(database_url)
    started = time.monotonic()
    with psycopg.connect(database_url) as db:
        _partitions(db)
        _load_units(db, units)
        source_list = sources(units)
        _load_sources(db, source_list)
        have = db.execute("SELECT count(*) FROM transfer_courses").fetchone()[0]  # type: ignore[index]
        if have % BLOCK and have < courses:
            raise SystemExit(f"{have} transfer courses: not a whole number of blocks of {BLOCK}")
        records = 0
        first_block = -(-courses // BLOCK) if have >= courses else have // BLOCK
        for block in range(first_block, -(-courses // BLOCK)):
            size = min(BLOCK, courses - block * BLOCK)
            records += _load_block(db, block, size, seed, units, source_list, teachers)
            db.commit()
            log(f"transfer data: {block * BLOCK + size:,} courses, {records:,} records added")
    with psycopg.connect(database_url, autocommit=True) as db:
        db.execute("VACUUM ANALYZE transfer_courses")
        db.execute("VACUUM ANALYZE transfer_attendance")
    return {"transfer_courses": courses, "transfer_records_added": records,
            "transfer_s": round(time.monotonic() - started, 1)}


def _load_block(db: psycopg.Connection[Any], block: int, size: int, seed: int,
                units: list[tuple[str, str, str, str]],
                source_list: list[tuple[str, str, str, str, str]], teachers: int) -> int:
    rng = random.Random(f"{seed}:transfer:{block}")
    weights = [WEIGHTS[s[4]] for s in source_list]
    span = (LAST_DAY - FIRST_DAY).days
    courses, attendance = [], []
    for n in range(size):
        source = rng.choices(source_list, weights)[0][0]
        start = FIRST_DAY + timedelta(days=rng.randrange(span))
        end = start + timedelta(days=rng.choice((0, 0, 0, 1, 2)))
        organiser = rng.choice(units)
        course = Course(f"{source.upper()}-{block:04d}-{n:05d}", _title(rng),
                        organiser[0], organiser[3], start, end,
                        Decimal(rng.choice(("1.5", "2", "3", "3", "6", "12", "18"))),
                        rng.choice(CLASS_TYPES), rng.choice(CATEGORIES),
                        (rng.choice(FORMS),), (rng.choice(SURNAMES) + rng.choice(GIVEN) * 2,))
        courses.append((source, course))
        attendees = min(teachers, int(rng.expovariate(1 / RECORDS_PER_COURSE) + 0.5))
        for teacher in rng.sample(range(teachers), attendees):
            school = units[teacher % len(units)]
            row = Attendance(course.key, "", _name(seed, teacher), school[0],
                             min(course.hours, Decimal(rng.choice(("1.5", "2", "3")))),
                             end)
            attendance.append((source, course, _teacher_id(seed, teacher), row))
    cursor = db.cursor()
    with cursor.copy(f"COPY transfer_courses ({', '.join(COURSE_COLUMNS)}) FROM STDIN") as copy:
        for source, c in courses:
            copy.write_row((source, c.key, c.start_date.year, c.digest(), c.title,
                            title_digest(c.title), c.organiser_unit_code, c.county_code, c.start_date, c.end_date,
                            c.hours, c.class_type, c.category, json.dumps(list(c.tags)),
                            json.dumps(list(c.lecturers), ensure_ascii=False), False, 1,
                            None, NOW))
    with cursor.copy(f"COPY transfer_attendance ({', '.join(ATTENDANCE_COLUMNS)}) "
                     f"FROM STDIN") as copy:
        for source, c, account, a in attendance:
            copy.write_row((source, c.key, account, c.start_date.year, a.digest(account),
                            a.teacher_name, a.school_code, a.hours, a.completed_on, False, 1,
                            None, NOW))
    return len(attendance)


def _name(seed: int, teacher: int) -> str:
    rng = random.Random(f"{seed}:transfer-name:{teacher}")
    return rng.choice(SURNAMES) + rng.choice(GIVEN) * 2


def _partitions(db: psycopg.Connection[Any]) -> None:
    for year in range(FIRST_DAY.year, LAST_DAY.year + 1):
        for table in ("transfer_courses", "transfer_attendance"):
            db.execute(f"CREATE TABLE IF NOT EXISTS {table}_y{year} PARTITION OF {table} "
                       f"FOR VALUES FROM ({year}) TO ({year + 1})")
    db.commit()


def _load_units(db: psycopg.Connection[Any], units: list[tuple[str, str, str, str]]) -> None:
    with db.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO unit_replica (code, name, county_code, version, updated_at) "
            "VALUES (%s, %s, %s, 1, %s) ON CONFLICT (code) DO NOTHING",
            [(code, name, county, NOW) for code, name, _type, county in units])


def _load_sources(db: psycopg.Connection[Any],
                  source_list: list[tuple[str, str, str, str, str]]) -> None:
    opened = datetime(2013, 1, 2, tzinfo=UTC)
    with db.cursor() as cursor:
        for code, name, owner, mode, _kind in source_list:
            cursor.execute("INSERT INTO sources (code, name, owner_unit, mode, state, version, "
                           "created_at) VALUES (%s, %s, %s, %s, 'production', 1, %s) "
                           "ON CONFLICT (code) DO NOTHING RETURNING code",
                           (code, name, owner, mode, opened))
            if cursor.fetchone() is None:
                continue  # loaded before
            for step, reference in (("format_check_passed", None),
                                    ("test_run_succeeded", None),
                                    ("ministry_approval", "臺教師(三)字第1010000001號"),
                                    ("production_opened", None)):
                cursor.execute("INSERT INTO source_steps (source, name, \"by\", at, reference) "
                               "VALUES (%s, %s, 'bench.data', %s, %s)",
                               (code, step, opened, reference))
    db.commit()


def _migrate(database_url: str) -> None:
    from servicekit.migrations import upgrade
    from servicekit.service import Runtime
    from servicekit.settings import Settings
    from services.transfer.bootstrap import DEFINITION

    runtime = Runtime(DEFINITION, Settings.from_env("transfer", {
        "DATABASE_URL": database_url.replace("postgresql://", "postgresql+psycopg://", 1)}))
    try:
        upgrade(DEFINITION.migrations_dir, runtime.database)
    finally:
        runtime.database.dispose()

