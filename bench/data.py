"""A national-scale catalogue for the courses database (issue 11, item 8), loaded by COPY.

    python -m bench.data --database-url postgresql://…/courses --courses 200000 [--seed 2003]
        [--enrolment-scale 0.1] [--no-index]

Migrates the database (the courses schema and its vocabularies), then brings it to
``--courses`` courses: units, teachers, courses since 2003 with Chinese titles built from
the seed's vocabulary (the policy tags, subjects and the words its titles are made of),
their meetings, tags and search index, and enrolments with what came of the courses
(reviews, attendee lists and their reviews, hours issued: bench/data_outcomes.py). Sizes follow the seed's
proportions: 2 M courses, 300,000 teachers and 20 M enrolments at full scale;
``--enrolment-scale`` (0.1 by default, so a run takes minutes here) scales the enrolments;
``--redraw-enrolments --enrolment-scale 1.0`` brings an existing catalogue's enrolments to
that scale, as a load at it would have drawn them.

With ``--transfer-database-url`` (alone or with the above), the transfer service's
records too, in the seed's proportions (``--transfer-scale`` of 1,234,961 courses and
31,064,799 records; bench/transfer_data.py).

Repeatable: course ``n`` is drawn from its block's own generator (``seed``, block), so the
same seed gives the same catalogue, and a catalogue of 20 k grown to 200 k is the same as
one loaded at 200 k at once. Run it again with a larger ``--courses`` to grow it (20 k,
200 k, 2 M are the scales the search benchmark stops at)."""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

import psycopg

from bench import data_outcomes
from contracts.vocabulary import COUNTIES
from services.courses.adapters.search_index import (
    COUNT_KEY,
    LISTED,
    count_keys,
    counted_key,
    index_rows,
    listed_values,
)
from services.courses.domain.access import PUBLISHED
from services.courses.domain.reference import _TREE, AUDIENCES, TAGS, TIME_SLOTS

BLOCK = 10_000  # courses per generator block
TEACHERS_PER_COURSE = 300_000 / 2_000_000
ENROLMENTS_PER_COURSE = 20_000_000 / 2_000_000
COURSES_PER_UNIT = 250
FIRST_YEAR = 2003
TODAY = date(2026, 12, 1)  # fixed, so a seed gives the same catalogue any day

# Counties weighted roughly by their teachers (the six municipalities first).
COUNTY_WEIGHTS = {"NWT": 14, "TPE": 11, "TAO": 9, "TXG": 12, "TNN": 8, "KHH": 11, "ILA": 2,
                  "HSQ": 2, "MIA": 2, "CHA": 5, "NAN": 2, "YUN": 3, "CYQ": 2, "PIF": 3,
                  "TTT": 1, "HUA": 1, "PEN": 1, "KEE": 1, "HSZ": 2, "CYI": 1, "KIN": 1,
                  "LIE": 1}
assert set(COUNTY_WEIGHTS) == set(COUNTIES)

# Title words, most common first (a Zipf-like draw makes common and rare keywords).
TOPICS = ("教學", "閱讀", "素養導向", "數學", "英語", "防災教育", "性別平等教育", "環境教育",
          "生命教育", "資訊科技", "品德教育", "特殊教育", "班級經營", "輔導知能", "課程設計",
          "多元評量", "自然科學", "本土語文", "藝術與人文", "健康與體育", "校園安全",
          "國際教育", "海洋教育", "食農教育", "戶外教育", "人權教育", "法治教育", "媒體素養",
          "家庭教育", "幼兒園教保專業知能", "基本救命術訓練", "安全教育", "教師專業發展評鑑",
          "原住民族教育", "新住民語文", "程式設計", "STEM", "AI應用", "鯨豚保育", "客家文化")
FORMS = ("研習", "工作坊", "研討會", "專題講座", "增能研習", "教師社群", "觀課議課",
         "讀書會", "實務研習", "成長營")
LEADS = ("", "", "", "新課綱", "跨領域", "校本", "精進", "數位", "創新", "實作")
MEETINGS = ("校務會議", "學年會議", "行政會議")
SURNAMES = "陳林黃張李王吳劉蔡楊許鄭謝洪郭邱曾廖賴徐周葉蘇莊呂江何蕭羅高"
GIVEN = "家明志偉怡君淑芬美玲俊宏雅婷建宇承翰冠廷宗翰佩珊文華國強惠如秀英"
UNIT_KINDS = (("國小", "elementary_school", 45), ("國中", "junior_high_school", 20),
              ("高中", "senior_high_school", 10), ("幼兒園", "kindergarten", 15),
              ("教師研習中心", "county_teacher_study_centre", 3), ("大學", "university", 4),
              ("協會", "civic_group", 3))
SUBJECTS = [(category, subcategory, subject) for category, _, subs in _TREE
            for subcategory, _, subjects in subs for subject, _ in subjects]


def run(database_url: str, courses: int, seed: int = 2003, enrolment_scale: float = 0.1,
        index: bool = True, log: Any = print) -> dict[str, float]:
    """Brings the database to ``courses`` courses; returns seconds per phase."""
    _migrate(database_url)
    timings: dict[str, float] = {}
    with psycopg.connect(database_url) as db:
        have = db.execute("SELECT count(*) FROM courses").fetchone()[0]  # type: ignore[index]
        if have % BLOCK and have < courses:
            raise SystemExit(f"{have} courses: not a whole number of blocks of {BLOCK}")
        units = _units(_units_for(courses), seed)
        teachers = _teachers_for(courses)
        started = time.monotonic()
        _load_units(db, units)
        _load_teachers(db, teachers, seed)
        for block in range(have // BLOCK, -(-courses // BLOCK)):
            size = min(BLOCK, courses - block * BLOCK)
            # What existed when the block was drawn, whatever the final size: repeatable.
            grown = (block + 1) * BLOCK
            rows = list(_courses(block, size, seed, units[:_units_for(grown)]))
            _load_courses(db, rows)
            if enrolment_scale > 0:
                _load_enrolments(db, rows, min(teachers, _teachers_for(grown)),
                                 enrolment_scale, seed, block)
            db.commit()
            log(f"data: {block * BLOCK + size:,} courses")
        db.execute("UPDATE course_code_sequences SET last_number = %s", (courses,))
        db.commit()
        timings["courses_s"] = time.monotonic() - started
        if index:
            timings["index_s"] = build_index(db, log)
    vacuum(database_url)
    return timings


def vacuum(database_url: str) -> None:
    """As autovacuum would in time: statistics, and the visibility map index-only scans
    need (COPY leaves every page unmarked)."""
    with psycopg.connect(database_url, autocommit=True) as db:
        db.execute("VACUUM ANALYZE")


class _Course(NamedTuple):
    course_id: str
    title: str
    lecturers: list[str]
    audiences: list[str]
    status: str
    code: str
    starts_on: date
    ends_on: date
    approved_at: datetime | None
    county_code: str
    category: str
    time_slot: str
    tags: str | None
    unit_code: str
    enrolment_opens_at: datetime
    enrolment_closes_at: datetime
    capacity: int
    enrolled: int


def build_index(db: psycopg.Connection[Any], log: Any = print) -> float:
    """Indexes every course not indexed yet (the search index's build, timed): its document
    (terms, folded text, what it is counted under) by COPY, then the counts of the
    published courses grown by those just indexed, then the documents laid in the order
    of their last day. On PostgreSQL the terms are served by
    the GIN index over the documents (revision 0012), not by ``course_search_terms``."""
    started = time.monotonic()
    done = 0
    counts: Counter[tuple[Any, ...]] = Counter()
    while True:
        rows = db.execute(
            "SELECT c.course_id, c.title, c.lecturers, c.audiences, c.status, c.code, "
            "c.starts_on, c.ends_on, c.approved_at, c.county_code, c.category, c.time_slot, "
            "(SELECT string_agg(tag_code, ' ') FROM course_tags g "
            " WHERE g.course_id = c.course_id), c.unit_code, c.enrolment_opens_at, "
            "c.enrolment_closes_at, c.capacity, coalesce((SELECT s.enrolled FROM course_seats s "
            " WHERE s.course_id = c.course_id), 0) FROM courses c "
            "WHERE NOT EXISTS (SELECT 1 FROM course_search_documents d "
            "WHERE d.course_id = c.course_id) LIMIT 20000").fetchall()
        if not rows:
            break
        with db.cursor().copy(f"COPY course_search_documents (course_id, title_text, "
                              f"lecturer_text, terms, {', '.join(LISTED)}) FROM STDIN"
                              ) as documents:
            for row in rows:
                course = _Course(*row)
                document, _ = index_rows(course.course_id, course.title, course.lecturers,
                                         course.audiences)
                listed = listed_values(course, (course.tags or "").split(), course.enrolled) \
                    if course.status in PUBLISHED else dict.fromkeys(LISTED)
                if listed["ends_on"] is not None:
                    counts.update(count_keys(counted_key(
                        course.county_code, course.category, course.time_slot, course.ends_on,
                        (course.tags or "").split())))
                documents.write_row((course.course_id, document["title_text"],
                                     document["lecturer_text"], document["terms"],
                                     *(listed[name] for name in LISTED)))
        db.commit()
        done += len(rows)
        log(f"data: {done:,} courses indexed")
    with db.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE grown (LIKE course_search_counts) ON COMMIT DROP")
        with cursor.copy(f"COPY grown ({', '.join(COUNT_KEY)}, courses) FROM STDIN") as copy:
            for key, n in counts.items():
                copy.write_row((*key, n))
        cursor.execute(
            f"INSERT INTO course_search_counts SELECT * FROM grown ON CONFLICT "
            f"({', '.join(COUNT_KEY)}) DO UPDATE SET courses = course_search_counts.courses "
            f"+ excluded.courses")
    db.commit()
    lay_out_documents(db)
    return time.monotonic() - started


def lay_out_documents(db: psycopg.Connection[Any]) -> None:
    """The documents in the order of their courses' last day, as a catalogue grown over the
    years holds them (each written when its course is published, new ones after the old),
    not in the generator's order, which draws every block of courses over every year: a
    search among the courses to come then reads a few thousand adjacent pages of them,
    not pages scattered over the whole table (at 2 M: 9,100 pages for 教學 to come)."""
    db.execute("CLUSTER course_search_documents USING ix_course_search_documents_ends_on")
    db.commit()


# -- drawing ------------------------------------------------------------------------------------

def _units_for(courses: int) -> int:
    return max(50, courses // COURSES_PER_UNIT)


def _teachers_for(courses: int) -> int:
    return max(100, int(courses * TEACHERS_PER_COURSE))


def _units(count: int, seed: int) -> list[tuple[str, str, str, str]]:
    """(code, name, unit type, county), drawn in order from one generator: the first
    ``n`` are the same whatever the count."""
    rng = random.Random(f"{seed}:units")
    counties, weights = list(COUNTY_WEIGHTS), list(COUNTY_WEIGHTS.values())
    units = []
    for n in range(count):
        county = rng.choices(counties, weights)[0]
        label, unit_type, _ = rng.choices(UNIT_KINDS, [k[2] for k in UNIT_KINDS])[0]
        name = f"{COUNTIES[county]}立{rng.choice(SURNAMES)}{rng.choice(GIVEN)}{label}"
        units.append((f"{900000 + n}", name, unit_type, county))
    return units


def _title(rng: random.Random) -> str:
    if rng.random() < 0.01:  # meetings registered as training (R-CRS-10)
        meeting = rng.choice(MEETINGS)
        return meeting if rng.random() < 0.4 else f"{rng.randint(92, 115)}學年度{meeting}暨{_topic(rng)}研習"
    return f"{rng.choice(LEADS)}{_topic(rng)}{rng.choice(FORMS)}"


def _topic(rng: random.Random) -> str:
    # Zipf-like: the n-th topic is drawn about 1/n as often as the first.
    weights = [1 / (n + 1) for n in range(len(TOPICS))]
    return rng.choices(TOPICS, weights)[0]


def _courses(block: int, size: int, seed: int,
             units: list[tuple[str, str, str, str]]) -> Iterator[dict[str, Any]]:
    rng = random.Random(f"{seed}:courses:{block}")
    span = (TODAY + timedelta(days=120) - date(FIRST_YEAR, 1, 1)).days
    for n in range(size):
        number = block * BLOCK + n + 1
        # More courses in later years: the square root bunches the draw towards now.
        starts = date(FIRST_YEAR, 1, 1) + timedelta(days=int(span * rng.random() ** 0.6))
        days = 1 if rng.random() < 0.9 else rng.randint(2, 5)
        ends = starts + timedelta(days=days - 1)
        created = datetime.combine(starts - timedelta(days=rng.randint(10, 60)),
                                   datetime.min.time(), UTC)
        # Windows open at midnight in Taipei (16:00 UTC the day before) more often than not.
        opens = (created + timedelta(days=rng.randint(1, 5), hours=-8)
                 if rng.random() < 0.6 else created + timedelta(hours=rng.randint(24, 200)))
        closes = datetime.combine(starts - timedelta(days=1), datetime.min.time(), UTC)
        if closes <= opens:
            closes = opens + timedelta(hours=12)
        unit = units[rng.randrange(len(units))]
        category, subcategory, subject = rng.choice(SUBJECTS)
        status = ("closed" if ends < TODAY - timedelta(days=14) else
                  rng.choices(("approved", "submitted", "draft"), (90, 6, 4))[0])
        tags = sorted(set(rng.sample([t.code for t in TAGS], rng.choice((1, 1, 2))))) \
            if rng.random() < 0.3 else []
        yield {
            "course_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "code": f"{created.year}-{number:06d}", "status": status, "title": _title(rng),
            "unit_code": unit[0], "organiser_account_id": str(uuid.UUID(int=rng.getrandbits(128))),
            "audiences": sorted(set(rng.sample([a.code for a in AUDIENCES], rng.randint(1, 3)))),
            "class_type": rng.choices(("non_credit_class", "credit_class", "degree_programme"),
                                      (94, 5, 1))[0],
            "nature": rng.choice(("kindergarten", "elementary", "junior_high", "senior_high",
                                  "vocational", "special_education", "cross_level")),
            "category": category, "subcategory": subcategory, "subject": subject,
            "time_slot": rng.choices([t.code for t in TIME_SLOTS], (55, 20, 15, 10))[0],
            "starts_on": starts, "ends_on": ends, "days": days,
            "hours": rng.choice((1, 2, 3, 3, 3, 6, 6, 12, 18)) if days == 1 else 6 * days,
            "place": unit[1], "county_code": unit[3],
            "lecturers": [rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
                          for _ in range(rng.choice((1, 1, 1, 2, 3)))],
            "capacity": rng.choice((20, 30, 40, 40, 50, 60, 100, 200)),
            "enrolment_opens_at": opens, "enrolment_closes_at": closes,
            "reviewing_authority_code": unit[3], "created_at": created,
            "approved_at": None if status in ("draft", "submitted")
            else created + timedelta(days=rng.randint(1, 7)),
            "tags": tags,
        }


# -- loading ----------------------------------------------------------------------------------

COURSE_COLUMNS = ("course_id", "code", "status", "title", "unit_code", "organiser_account_id",
                  "audiences", "class_type", "nature", "category", "subcategory", "subject",
                  "time_slot", "starts_on", "ends_on", "hours", "place", "county_code",
                  "lecturers", "capacity", "enrolment_opens_at", "enrolment_closes_at",
                  "organiser_accepts", "fairness", "reviewing_authority_code", "version",
                  "created_at", "updated_at", "submitted_at", "approved_at", "closed_at")


def _course_row(c: dict[str, Any]) -> tuple[Any, ...]:
    submitted = None if c["status"] == "draft" else c["created_at"] + timedelta(hours=1)
    closed = c["ends_on"] + timedelta(days=7) if c["status"] == "closed" else None
    values = {**c, "audiences": json.dumps(c["audiences"]),
              "lecturers": json.dumps(c["lecturers"], ensure_ascii=False),
              "organiser_accepts": False, "fairness": "first_come", "version": 3,
              "updated_at": c["created_at"], "submitted_at": submitted,
              "closed_at": datetime.combine(closed, datetime.min.time(), UTC) if closed else None}
    return tuple(values[name] for name in COURSE_COLUMNS)


def _load_courses(db: psycopg.Connection[Any], rows: list[dict[str, Any]]) -> None:
    with db.cursor().copy(f"COPY courses ({', '.join(COURSE_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(_course_row(row))
    with db.cursor().copy("COPY course_meetings (course_id, position, meets_on, starts_at, "
                          "ends_at) FROM STDIN") as copy:
        for row in rows:
            for day in range(row["days"]):
                copy.write_row((row["course_id"], day, row["starts_on"] + timedelta(days=day),
                                "09:00", "16:00" if row["hours"] >= 6 else "12:00"))
    with db.cursor().copy("COPY course_tags (course_id, tag_code) FROM STDIN") as copy:
        for row in rows:
            for tag in row["tags"]:
                copy.write_row((row["course_id"], tag))


def _load_units(db: psycopg.Connection[Any], units: list[tuple[str, str, str, str]]) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for code, name, unit_type, county in units:
        db.execute("INSERT INTO unit_replica (code, name, unit_type, authority_code, version, "
                   "updated_at, county_code) VALUES (%s, %s, %s, %s, 1, %s, %s) "
                   "ON CONFLICT (code) DO NOTHING", (code, name, unit_type, county, now, county))


def _teacher_id(seed: int, n: int) -> str:
    return str(uuid.UUID(int=(seed << 64) + n, version=4))


def _load_teachers(db: psycopg.Connection[Any], count: int, seed: int) -> None:
    have = db.execute("SELECT count(*) FROM teacher_replica").fetchone()[0]  # type: ignore[index]
    now = datetime(2026, 1, 1, tzinfo=UTC)
    rng = random.Random(f"{seed}:teachers")
    with db.cursor().copy("COPY teacher_replica (account_id, name, email, unit_code, status, "
                          "version, updated_at) FROM STDIN") as copy:
        for n in range(have, count):
            copy.write_row((_teacher_id(seed, n), rng.choice(SURNAMES) + rng.choice(GIVEN) * 2,
                            None, None, "enabled", 1, now))


def _enrolments(rows: list[dict[str, Any]], teachers: int, scale: float, seed: int,
                block: int) -> Iterator[tuple[str, str, str, str, int, datetime, datetime]]:
    """A block's enrolments, from the block's own generator: the same for a seed and a
    scale however the catalogue got there (loaded at once, grown, or redrawn)."""
    rng = random.Random(f"{seed}:enrolments:{block}")
    for row in rows:
        if row["status"] in ("draft", "submitted"):
            continue
        wanted = min(row["capacity"], teachers,
                     int(rng.expovariate(1 / (ENROLMENTS_PER_COURSE * scale)) + 0.5))
        for arrival, n in enumerate(rng.sample(range(teachers), wanted), 1):
            at = row["enrolment_opens_at"]
            yield (str(uuid.UUID(int=rng.getrandbits(128), version=4)), row["course_id"],
                   _teacher_id(seed, n), "enrolled", arrival, at, at)


def _load_enrolments(db: psycopg.Connection[Any], rows: list[dict[str, Any]], teachers: int,
                     scale: float, seed: int, block: int) -> int:
    attempts = list(_enrolments(rows, teachers, scale, seed, block))
    with db.cursor().copy("COPY enrolments (enrolment_id, course_id, account_id, status, "
                          "arrival, created_at, updated_at) FROM STDIN") as copy:
        for enrolment in attempts:
            copy.write_row(enrolment)
    # Each place as the enrolment use case records it: what courses' re-announce tells
    # stats (enrolment.recorded, bench/stats_national.py).
    with db.cursor().copy("COPY enrolment_attempts (course_id, account_id, arrival, outcome, "
                          "enrolment_id, at) FROM STDIN") as copy:
        for enrolment_id, course_id, account_id, status, arrival, at, _ in attempts:
            copy.write_row((course_id, account_id, arrival, status, enrolment_id, at))
    seats = Counter(course_id for _, course_id, *_rest in attempts)
    with db.cursor().copy("COPY course_seats (course_id, enrolled, waitlisted, arrivals) "
                          "FROM STDIN") as copy:
        for course_id, taken in seats.items():
            copy.write_row((course_id, taken, 0, taken))
    # With the places, what came of the courses: reviews, attendee lists, hours issued.
    data_outcomes.load(db, rows, attempts, seed, block)
    return len(attempts)


ENROLMENT_TABLES = ("enrolment_attempts", "enrolments", "course_seats")
# Drawn again with the places (their attendees are teachers who got one).
REDRAWN_TABLES = (*ENROLMENT_TABLES, *data_outcomes.TABLES)


def redraw_enrolments(database_url: str, scale: float, seed: int = 2003,
                      log: Any = print) -> dict[str, float]:
    """Replaces the catalogue's enrolments by those drawn at ``scale``, e.g. a catalogue
    loaded at 0.1 grown to the seed's 10 a course (1.0): afterwards it holds what a load at
    ``scale`` would have (each block's courses are drawn again from the seed, for their
    windows and capacities; nothing else changes). Every enrolment is written again, so
    the three tables are emptied and loaded without their indexes, which are built once
    at the end (20 M rows into seven indexes of random keys, row by row, take far longer)."""
    started = time.monotonic()
    enrolments = 0
    with psycopg.connect(database_url) as db:
        have = db.execute("SELECT count(*) FROM courses").fetchone()[0]  # type: ignore[index]
        units, teachers = _units(_units_for(have), seed), _teachers_for(have)
        indexes = _drop_indexes(db, ENROLMENT_TABLES)
        db.execute(f"TRUNCATE {', '.join(REDRAWN_TABLES)} RESTART IDENTITY")
        db.commit()
        try:
            for block in range(-(-have // BLOCK)):
                size, grown = min(BLOCK, have - block * BLOCK), (block + 1) * BLOCK
                rows = list(_courses(block, size, seed, units[:_units_for(grown)]))
                enrolments += _load_enrolments(db, rows, min(teachers, _teachers_for(grown)),
                                               scale, seed, block)
                db.commit()
                if (block + 1) % 10 == 0 or block * BLOCK + size == have:
                    log(f"data: enrolments of {block * BLOCK + size:,} courses drawn "
                        f"({enrolments:,})")
        finally:
            db.rollback()
            log("data: building the enrolments' indexes")
            for statement in indexes:
                db.execute(statement)
            db.commit()
    with psycopg.connect(database_url, autocommit=True) as db:  # what vacuum() does, for these
        db.execute(f"VACUUM ANALYZE {', '.join(REDRAWN_TABLES)}")
    return {"enrolments": enrolments, "enrolments_s": time.monotonic() - started}


def _drop_indexes(db: psycopg.Connection[Any], tables: tuple[str, ...]) -> list[str]:
    """Drops the tables' keys, unique constraints and indexes; answers the statements that
    make them again."""
    constraints = db.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('p', 'u')", (list(tables),)
    ).fetchall()
    indexes = db.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) AND indexname "
        "NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]))",
        (list(tables), list(tables))).fetchall()
    for table, name, _ in constraints:
        db.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        db.execute(f'DROP INDEX "{name}"')
    return ([f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
             for table, name, definition in constraints] + [definition for _, definition in indexes])


def _migrate(database_url: str) -> None:
    """The courses schema and its seeded vocabularies (no broker needed)."""
    from servicekit.migrations import upgrade
    from servicekit.service import Runtime
    from servicekit.settings import Settings
    from services.courses.bootstrap import DEFINITION
    from services.courses.handlers.vocabularies import seed_reference_data

    runtime = Runtime(DEFINITION, Settings.from_env("courses", {
        "DATABASE_URL": database_url.replace("postgresql://", "postgresql+psycopg://", 1)}))
    try:
        upgrade(DEFINITION.migrations_dir, runtime.database)
        seed_reference_data(runtime)
    finally:
        runtime.database.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.data", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url",
                        help="the courses database: postgresql://user@host:port/database "
                             "(created beforehand)")
    parser.add_argument("--courses", type=int,
                        help="courses to bring the catalogue to (20000, 200000, 2000000)")
    parser.add_argument("--transfer-database-url",
                        help="also (or only) the transfer service's records, into this "
                             "database (created beforehand)")
    parser.add_argument("--transfer-scale", type=float, default=0.01,
                        help="of the seed's 1,234,961 courses and 31,064,799 records "
                             "(1.0: full scale; default 0.01)")
    parser.add_argument("--seed", type=int, default=2003)
    parser.add_argument("--enrolment-scale", type=float, default=0.1,
                        help="1.0: the seed's 10 enrolments per course on average")
    parser.add_argument("--no-index", action="store_true",
                        help="leave the search index to build later")
    parser.add_argument("--redraw-enrolments", action="store_true",
                        help="with --database-url: replace an existing catalogue's enrolments "
                             "by those drawn at --enrolment-scale (e.g. a catalogue loaded "
                             "at 0.1 brought to 1.0), as a load at that scale would have them")
    args = parser.parse_args(argv)
    if args.redraw_enrolments:
        if not args.database_url or args.courses:
            parser.error("--redraw-enrolments takes --database-url (and --enrolment-scale) alone")
        redrawn = redraw_enrolments(args.database_url, args.enrolment_scale, args.seed,
                                    log=lambda line: print(line, file=sys.stderr))
        print(json.dumps({k: round(v, 1) for k, v in redrawn.items()}))
        return 0
    if not (args.database_url and args.courses) and not args.transfer_database_url:
        parser.error("give --database-url and --courses, or --transfer-database-url, or both")
    log = lambda line: print(line, file=sys.stderr)  # noqa: E731
    figures: dict[str, Any] = {}
    if args.database_url and args.courses:
        timings = run(args.database_url, args.courses, args.seed, args.enrolment_scale,
                      not args.no_index, log=log)
        figures.update({k: round(v, 1) for k, v in timings.items()})
    if args.transfer_database_url:
        from bench import transfer_data  # it draws from this module's units and teachers
        figures.update(transfer_data.run(args.transfer_database_url, args.transfer_scale,
                                         args.seed, log=log))
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
