"""Scenario ``transfer`` (issue 12, "Measured"): a unit's 200,000-row attendance file
(.xlsx) uploaded and processed end to end on PostgreSQL — read and matched while the
upload waits, sealed, its tables kept for the background job, accepted in chunks of
5,000 rows (each checked, teachers resolved, kept by key, one
``transfer.record.added`` event each), the per-row report made and sealed — and the same
rows pushed by a source in batches of 1,000 through the HTTP API (Flask's test client:
JSON in and out, the machine token verified).

Baseline in the same run (the floor of read + write): the input read — python-calamine
reading the same file; for the push, its batches' JSON parsed by orjson, the service's
parser — plus a client COPYing the finished rows (the attendance and its events, as the
processing left them) into fresh tables of the same shape (``LIKE … INCLUDING ALL``, the
attendance partitioned by year like the real one). ``ratio_to_floor`` = floor time /
processing time, for the file and for the push.

Also: the same file sent again (every row unchanged, nothing written) against the first
send, and the peak resident memory of the process while it processes the file (sampled
from /proc every 20 ms; the process holds the generated rows too, so this is an upper
bound).

In rounds (``ROUNDS``), as the teacher import's scenario: each round sends the file to a
source of its own, its floor right after, the re-send, then pushes to another source of
its own, its floor right after; each ratio is taken within its round (the two side by
side see the same moment of the machine) and the goals are judged on the rounds' median.
On the shared machine these figures come from, the same push took from 15 to 27 µs of
process CPU a row minutes apart: one round alone cannot tell the code from the machine.
The push's bodies are encoded before its clock starts: encoding a batch is the source's
work, not the platform's (the floor makes none either). Each timed part (the file, each
floor's COPY, the re-send, the push) starts after a checkpoint (``_settle``), so that none
pays for writing out the buffers the part before it dirtied.

The teachers are resolved by a directory in the same process (a dict of national ID →
account id, as the accounts service's bulk lookup answers): the accounts service's own
lookup is measured by its own scenarios, and its HTTP round trips (200 calls of 1,000
IDs for this file) are left out here."""
from __future__ import annotations

import io
import json
import os
import resource
import secrets
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import orjson
import psycopg
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from bench import scratch
from bench.results import load_average, write_result
from contracts.events.transfer import RECORD_ADDED
from servicekit.cli import migrate
from servicekit.service import Runtime
from servicekit.settings import Settings
from servicekit.testing.tokens import TokenSigner
from servicekit.tokens import Principal, StaticKeySource, TokenVerifier
from services.transfer.app import create_app
from services.transfer.domain.teacher_ids import with_check_digit
from services.transfer.handlers import push, sources, uploads

# ``BENCH_TRANSFER_ROWS``: a smaller file for trying a change; figures are of 200,000.
ROWS = int(os.environ.get("BENCH_TRANSFER_ROWS", "200000"))
ROUNDS = int(os.environ.get("BENCH_TRANSFER_ROUNDS", "3"))
BATCH = 1_000
PER_COURSE = 100
TEACHERS = 50_000
GOAL_RATIO_TO_FLOOR = 0.5
GOAL_RESEND_SPEEDUP = 2.0
GOAL_PEAK_RSS_MB = 1024
OPERATOR = Principal(subject="bench-operator", roles=frozenset({"operator"}))
SCHOOLS = ("313502", "353301", "413601", "193601", "213502", "193602")
_FAMILY = "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周"
_GIVEN = ("怡君", "雅婷", "家豪", "志明", "淑芬", "冠宇", "佩珊", "俊傑", "宜蓁", "建宏")
HEADER = ["source_course_key", "teacher_id", "teacher_name", "school_code", "hours",
          "completed_on"]
FIRST_DAY = date(2023, 2, 1)


class Directory:
    """The accounts service's bulk lookup as transfer sees it, in this process."""

    def __init__(self, teachers: int) -> None:
        self.known = {_national_id(n): str(uuid.UUID(int=n + 1, version=4))
                      for n in range(teachers)}

    def account_ids(self, teacher_ids: Sequence[str]) -> dict[str, str]:
        known = self.known
        return {number: known[number] for number in teacher_ids if number in known}


def _national_id(n: int) -> str:
    letter = "ABCDEFGHJKLMNPQRSTUVXYWZIO"[n % 26]
    return with_check_digit(f"{letter}{1 + n % 2}{n:07d}")


def _course_key(c: int) -> str:
    return f"BENCH-{c:06d}"


def courses(rows: int, organiser: str = "313301") -> list[dict[str, Any]]:
    """``organiser``: each source's courses have their own, so that the duplicate rule
    (R-TRF-11: same organiser, start and title) does not link the pushed rows to the
    file's — they are added, as the scenario means."""
    made = []
    for c in range(rows // PER_COURSE):
        start = FIRST_DAY + timedelta(days=(c * 7) % 1000)
        made.append({"source_course_key": _course_key(c), "title": f"素養導向教學研習 第{c}場",
                     "organiser_unit_code": organiser, "county_code": "TPE",
                     "start_date": start.isoformat(), "end_date": start.isoformat(),
                     "hours": "3", "class_type": "研習", "category": "語文",
                     "tags": ["閱讀"], "lecturers": ["王老師"]})
    return made


def attendance(rows: int) -> list[list[str]]:
    """100 rows a course, teachers spread over all of them; no pair repeats."""
    made = []
    for n in range(rows):
        c = n // PER_COURSE
        teacher = (n * 7919 + c) % TEACHERS  # 7919 is prime to TEACHERS: no repeat
        start = FIRST_DAY + timedelta(days=(c * 7) % 1000)
        made.append([_course_key(c), _national_id(teacher),
                     _FAMILY[teacher % 20] + _GIVEN[(teacher // 20) % 10],
                     SCHOOLS[teacher % len(SCHOOLS)], "3", start.isoformat()])
    return made


def workbook(rows: list[list[str]]) -> bytes:
    """Written by openpyxl (another tool than the reader), one sheet ``attendance``."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("attendance")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class PeakMemory:
    """The process's resident set, sampled while a block runs."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._page = os.sysconf("SC_PAGE_SIZE")

    def _rss(self) -> int:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * self._page

    def _watch(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._rss())

    def __enter__(self) -> PeakMemory:
        self.peak = self._rss()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())


def run(rows: int = ROWS, rounds: int = ROUNDS) -> dict[str, Any]:
    load_at_start = load_average()
    rows_data = attendance(rows)
    data = workbook(rows_data)
    name = f"bench_transfer_{scratch.suffix()}"
    with scratch.databases(name) as urls:
        url = urls[name]
        app, runtime = _service(url)
        try:
            bench = _Bench(app, runtime, url, data, rows_data)
            measured = [bench.round(n) for n in range(rounds)]
        finally:
            runtime.database.dispose()
    result = _write(rows, len(data), measured, load_at_start)

    def each(name: str, form: str) -> str:
        return ", ".join(format(value, form) for value in result[name])
    print(f"transfer (median of {rounds} rounds): file {result['file_rows_per_s']:,.0f} rows/s "
          f"(floor {result['floor_rows_per_s']:,.0f}, ratio_to_floor "
          f"{result['ratio_to_floor']:.3f}: {each('ratios_to_floor', '.3f')}), push "
          f"{result['push_rows_per_s']:,.0f} rows/s (ratio_to_floor "
          f"{result['push_ratio_to_floor']:.3f}: {each('push_ratios_to_floor', '.3f')}); "
          f"unchanged re-send {result['resend_speedup']:.2f}x faster "
          f"({each('resend_speedups', '.2f')}); peak RSS {result['peak_rss_mb']:,.0f} MB; "
          f"goals met: {result['goal_met']}")
    return result


def _service(url: str) -> tuple[Any, Runtime]:
    environ = {"TRANSFER_MODE": "production", "TRANSFER_DATABASE_URL": url,
               "TRANSFER_TOKEN_ISSUER": "https://bench.invalid",
               "TRANSFER_JWKS_URL": "http://127.0.0.1:9/jwks.json",
               "TRANSFER_BROKER_URL": "memory://", "TRANSFER_LOG_LEVEL": "WARNING",
               "TRANSFER_FILE_KEY": secrets.token_urlsafe(48),
               "TRANSFER_ACCOUNTS_LOOKUP_TOKEN": "unused", "TRANSFER_MAX_UPLOAD_MB": "100"}
    app = create_app(Settings.from_env("transfer", {**os.environ, **environ}))
    runtime: Runtime = app.extensions["runtime"]
    migrate(runtime)
    return app, runtime


def _open(runtime: Runtime, code: str, unit: str) -> None:
    work, clock = runtime.components.unit_of_work, runtime.clock
    sources.register(work(), clock, code, f"來源 {code}", unit, "monthly_file")
    sources.record_step(work(), clock, OPERATOR, code, "format_check_passed", None)
    sources.move(work(), clock, OPERATOR, code, "test")
    sources.record_step(work(), clock, OPERATOR, code, "test_run_succeeded", None)
    sources.record_step(work(), clock, OPERATOR, code, "ministry_approval", "臺教師字第1號")
    sources.move(work(), clock, OPERATOR, code, "production")


class _Bench:
    """The service with its directory and machine tokens, and the rounds' sources: each
    round's file and push go to sources of their own, their courses with an organiser of
    their own (so that the duplicate rule, R-TRF-11, links no round's rows to another's:
    they are added, as the scenario means)."""

    def __init__(self, app: Any, runtime: Runtime, url: str, data: bytes,
                 rows_data: list[list[str]]) -> None:
        self.app, self.runtime, self.url = app, runtime, url
        self.data, self.rows_data = data, rows_data
        self.parts = parts = runtime.components
        parts.directory = self.directory = Directory(TEACHERS)
        self.signer = TokenSigner(issuer=runtime.settings.token_issuer,
                                  audience="inservice-transfer")
        parts.machine_tokens = TokenVerifier(runtime.settings.token_issuer,
                                             "inservice-transfer",
                                             StaticKeySource(self.signer.jwks))
        # Encoded once, before any clock: a source's own work (see the module's note).
        self.bodies = [json.dumps({"attendance": [dict(zip(HEADER, row, strict=True))
                                                  for row in rows_data[start:start + BATCH]]},
                                  ensure_ascii=False).encode()
                       for start in range(0, len(rows_data), BATCH)]

    def _source(self, code: str, organiser: str) -> None:
        _open(self.runtime, code, "313301")
        made = courses(len(self.rows_data), organiser)
        for start in range(0, len(made), BATCH):
            answer = push.accept(self.parts.unit_of_work(), self.runtime.clock,
                                 self.directory, code, {"courses": made[start:start + BATCH]},
                                 self.parts.freeze_date)
            assert not answer["errors"], answer["errors"][:3]

    def round(self, n: int) -> dict[str, Any]:
        file_source, push_source = f"bench-file-{n}", f"bench-push-{n}"
        self._source(file_source, f"3133{n:02d}")
        self._source(push_source, f"3134{n:02d}")
        _analyze(self.url)
        measured: dict[str, Any] = {}
        with PeakMemory() as memory, Autoanalyze(self.url), _timed(self.url, measured, "file"):
            done = self._send_file(file_source)
        assert done["status"] == "done" and done["error_count"] == 0, done
        assert done["counts"]["attendance"]["added"] == len(self.rows_data), done["counts"]
        measured["peak_rss_bytes"] = memory.peak
        measured["max_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        measured["floor_s"], measured["read_s"], measured["copy_s"] = _floor(
            self.url, file_source, lambda: _read_file(self.data))
        _analyze(self.url)
        with _timed(self.url, measured, "resend"):
            again = self._send_file(file_source)
        assert again["counts"]["attendance"]["unchanged"] == len(self.rows_data), \
            again["counts"]
        self._push(push_source, measured)
        with self.parts.unit_of_work() as uow:  # all added
            assert uow.records.counts(push_source)["attendance"] == len(self.rows_data)
        measured["push_floor_s"], measured["push_read_s"], _copy = _floor(
            self.url, push_source, lambda: _read_bodies(self.bodies))
        return measured

    def _send_file(self, code: str) -> dict[str, Any]:
        parts, clock = self.parts, self.runtime.clock
        upload = uploads.start(parts.unit_of_work(), clock, parts.vault, parts.file_rules,
                               OPERATOR, code, "attendance.xlsx", self.data,
                               parts.read_at_upload)
        uploads.process(parts.unit_of_work, clock, self.directory, parts.vault,
                        parts.file_rules, upload["upload_id"], parts.read_at_upload)
        with parts.unit_of_work() as uow:
            return uow.uploads.get(upload["upload_id"])

    def _push(self, code: str, measured: dict[str, Any]) -> None:
        client = self.app.test_client()
        token = self.signer.sign(subject=f"source-{code}", roles=[], client_id=f"source-{code}",
                                 scope="transfer", source=code)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        with Autoanalyze(self.url), _timed(self.url, measured, "push"):
            for body in self.bodies:
                answer = client.post(f"/sources/{code}/batches", data=body, headers=headers)
                assert answer.status_code == 200 and not answer.json["errors"], answer.json


# The tables a send grows.
ANALYZED = ("transfer_courses", "transfer_attendance")


def _analyze(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        for table in ANALYZED:
            connection.execute(f"ANALYZE {table}")


@contextmanager
def _timed(url: str, measured: dict[str, Any], part: str) -> Iterator[None]:
    """The block's time (``<part>_s``) and this process's CPU (``<part>_cpu_s``), from a
    clean buffer pool (``_settle``)."""
    _settle(url)
    started, cpu = time.perf_counter(), time.process_time()
    yield
    measured[f"{part}_s"] = time.perf_counter() - started
    measured[f"{part}_cpu_s"] = time.process_time() - cpu


def _settle(url: str) -> None:
    """A checkpoint before each timed part: the part before it leaves up to the whole
    buffer pool dirty, and whichever part comes next would pay for writing it out (the
    same push's floor took 2.0 s after one round's push and 3.25 s after another's). Each
    part then starts from a clean pool and pays only for what it writes itself."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("CHECKPOINT")


class Autoanalyze:
    """What autovacuum does in production as a table grows (it is off on the machine
    these figures come from): the record tables analyzed every ``EVERY_S`` seconds while a
    timed run writes. Without it the planner keeps the statistics of an empty table and
    reads a whole partition for each batch's lookup."""

    EVERY_S = 20.0

    def __init__(self, url: str) -> None:
        self.url, self._stop = url, threading.Event()

    def _run(self) -> None:
        while not self._stop.wait(self.EVERY_S):
            _analyze(self.url)

    def __enter__(self) -> Autoanalyze:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _read_file(data: bytes) -> None:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert len(book.get_sheet_by_name("attendance").to_python()) > 1


def _read_bodies(bodies: list[bytes]) -> None:
    """The push's reading: its batches' JSON parsed by orjson, which the service's JSON
    provider (``servicekit.json_provider``) reads a request with."""
    assert sum(len(orjson.loads(body)["attendance"]) for body in bodies) > 0


def _floor(url: str, source: str, read: Callable[[], None]) -> tuple[float, float, float]:
    """The input read (``read``: calamine reading the file, or the push's JSON parsed)
    plus a client COPYing the finished rows and their events into fresh tables of the
    same shape."""
    started = time.perf_counter()
    read()
    read_s = time.perf_counter() - started
    with psycopg.connect(url) as connection:
        prefix = f"floor_{source.replace('-', '_')}"
        connection.execute(f"CREATE TABLE {prefix}_attendance (LIKE transfer_attendance "
                           f"INCLUDING ALL) PARTITION BY RANGE (start_year)")
        years = [y for (y,) in connection.execute(
            "SELECT DISTINCT start_year FROM transfer_attendance WHERE source = %s", (source,))]
        for year in years:
            connection.execute(f"CREATE TABLE {prefix}_attendance_y{year} PARTITION OF "
                               f"{prefix}_attendance FOR VALUES FROM ({year}) TO ({year + 1})")
        connection.execute(f"CREATE TABLE {prefix}_outbox (LIKE outbox INCLUDING ALL)")
        finished = connection.execute("SELECT * FROM transfer_attendance WHERE source = %s",
                                      (source,)).fetchall()
        events = connection.execute(
            "SELECT * FROM outbox WHERE event_type = %s AND body LIKE %s",
            (RECORD_ADDED, f'%"source":"{source}"%')).fetchall()
        assert len(events) == len(finished), (len(events), len(finished))
        connection.commit()
        _settle(url)
        started = time.perf_counter()
        cursor = connection.cursor()
        with cursor.copy(f"COPY {prefix}_attendance FROM STDIN") as copy:
            for row in finished:
                copy.write_row(row)
        with cursor.copy(f"COPY {prefix}_outbox FROM STDIN") as copy:
            for row in events:
                copy.write_row(row)
        connection.commit()
        copy_s = time.perf_counter() - started
    return read_s + copy_s, read_s, copy_s


def _write(rows: int, file_bytes: int, rounds: list[dict[str, Any]],
           load_at_start: float) -> dict[str, Any]:
    def each(name: str) -> list[float]:
        return [round(r[name], 3) for r in rounds]

    def median_rate(name: str) -> float:
        return round(statistics.median(rows / r[name] for r in rounds), 1)
    ratios = [round(r["floor_s"] / r["file_s"], 3) for r in rounds]
    push_ratios = [round(r["push_floor_s"] / r["push_s"], 3) for r in rounds]
    speedups = [round(r["file_s"] / r["resend_s"], 2) for r in rounds]
    ratio, push_ratio = statistics.median(ratios), statistics.median(push_ratios)
    speedup = statistics.median(speedups)
    peak_mb = round(max(r["peak_rss_bytes"] for r in rounds) / 2**20, 1)
    met = {"file_ratio_to_floor": ratio >= GOAL_RATIO_TO_FLOOR,
           "push_ratio_to_floor": push_ratio >= GOAL_RATIO_TO_FLOOR,
           "resend_speedup": speedup >= GOAL_RESEND_SPEEDUP,
           "peak_rss": peak_mb < GOAL_PEAK_RSS_MB}
    figures = {
        # Each figure the median of the rounds; each ratio taken within its round.
        "figure": "rows_per_s", "file_rows_per_s": median_rate("file_s"),
        "baseline": "floor_rows_per_s", "floor_rows_per_s": median_rate("floor_s"),
        "ratio_to_floor": ratio, "ratios_to_floor": ratios,
        "push_rows_per_s": median_rate("push_s"),
        "push_floor_rows_per_s": median_rate("push_floor_s"),
        "push_ratio_to_floor": push_ratio, "push_ratios_to_floor": push_ratios,
        "resend_rows_per_s": median_rate("resend_s"), "resend_speedup": speedup,
        "resend_speedups": speedups,
        "peak_rss_mb": peak_mb,
        "process_max_rss_mb": round(max(r["max_rss_bytes"] for r in rounds) / 2**20, 1),
        "elapsed_s": {"file": each("file_s"), "floor": each("floor_s"),
                      "floor_calamine_read": each("read_s"),
                      "floor_copy": each("copy_s"),
                      "resend_unchanged": each("resend_s"),
                      "push": each("push_s"),
                      "push_floor": each("push_floor_s"),
                      "push_floor_json_read": each("push_read_s")},
        # This process's own CPU (every thread; not the server's): less moved by other
        # work on the machine than the elapsed times, so a change's effect on the Python
        # side shows through the noise.
        "process_cpu_s": {name: each(f"{name}_cpu_s") for name in ("file", "resend", "push")},
        "goal": (f"ratio_to_floor >= {GOAL_RATIO_TO_FLOOR} (file and push), re-send >= "
                 f"{GOAL_RESEND_SPEEDUP}x faster, peak RSS < {GOAL_PEAK_RSS_MB} MB; each "
                 f"judged on the rounds' median"),
        "goals": met, "goal_met": all(met.values()),
    }
    parameters = {"rows": rows, "file_bytes": file_bytes, "format": "xlsx (openpyxl)",
                  "rounds": len(rounds), "batch": BATCH, "rows_per_course": PER_COURSE,
                  "teachers": TEACHERS, "events_per_row": 1,
                  "teacher_directory": "in-process dict (national ID -> account id), not "
                                       "the accounts service over HTTP",
                  "push_through": "Flask test client: JSON encoded before the clock, "
                                  "machine token verified",
                  "checkpoint": "before each timed part (the file, each floor's COPY, the "
                                "re-send, the push): none pays for another's dirty pages",
                  "analyze": "as autovacuum would (off on this machine): the record tables "
                             "analyzed after loading the courses, after the first send, and "
                             f"every {Autoanalyze.EVERY_S:.0f} s during the timed writes",
                  "baseline_is": "the input read (calamine reading the file; the push's "
                                 "JSON parsed by orjson) + a client COPYing the finished "
                                 "attendance rows and their events into fresh tables of the "
                                 "same shape (attendance partitioned by year), right after "
                                 "the processing in each round"}
    return write_result("transfer", figures, parameters, load_at_start)


if __name__ == "__main__":
    run()
