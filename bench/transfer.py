"""Scenario ``transfer`` (issue 12, "Measured"): a unit's 200,000-row attendance file
(.xlsx) uploaded and processed end to end on PostgreSQL — read and matched while the
upload waits, sealed, read again in the background, accepted in chunks of 1,000 rows
(each checked, teachers resolved, kept by key, one ``transfer.record.added`` event each),
the per-row report made and sealed — and the same rows pushed by a source in batches of
1,000 through the HTTP API (Flask's test client: JSON in and out, the machine token
verified).

Baseline in the same run (the floor of read + write): python-calamine reading the same
file, plus a client COPYing the finished rows (the attendance and its events, as the
processing left them) into fresh tables of the same shape (``LIKE … INCLUDING ALL``, the
attendance partitioned by year like the real one). ``ratio_to_floor`` = floor time /
processing time, for the file and for the push.

Also: the same file sent again (every row unchanged, nothing written) against the first
send, and the peak resident memory of the process while it processes the file (sampled
from /proc every 20 ms; the process holds the generated rows too, so this is an upper
bound).

The teachers are resolved by a directory in the same process (a dict of national ID →
account id, as the accounts service's bulk lookup answers): the accounts service's own
lookup is measured by its own scenarios, and its HTTP round trips (200 calls of 1,000
IDs for this file) are left out here."""
from __future__ import annotations

import io
import os
import resource
import secrets
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

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


def run(rows: int = ROWS) -> dict[str, Any]:
    load_at_start = load_average()
    course_rows = courses(rows)
    rows_data = attendance(rows)
    data = workbook(rows_data)
    name = f"bench_transfer_{scratch.suffix()}"
    with scratch.databases(name) as urls:
        url = urls[name]
        app, runtime = _service(url)
        try:
            measured = _measure(app, runtime, url, data, course_rows, rows_data)
        finally:
            runtime.database.dispose()
    result = _write(rows, len(data), measured, load_at_start)
    print(f"transfer: file {result['file_rows_per_s']:,.0f} rows/s (floor "
          f"{result['floor_rows_per_s']:,.0f}, ratio_to_floor {result['ratio_to_floor']:.3f}), "
          f"push {result['push_rows_per_s']:,.0f} rows/s (ratio_to_floor "
          f"{result['push_ratio_to_floor']:.3f}); unchanged re-send "
          f"{result['resend_speedup']:.2f}x faster; peak RSS {result['peak_rss_mb']:,.0f} MB; "
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


def _measure(app: Any, runtime: Runtime, url: str, data: bytes,
             course_rows: list[dict[str, Any]], rows_data: list[list[str]]) -> dict[str, Any]:
    parts = runtime.components
    directory = Directory(TEACHERS)
    parts.directory = directory
    signer = TokenSigner(issuer=runtime.settings.token_issuer, audience="inservice-transfer")
    parts.machine_tokens = TokenVerifier(runtime.settings.token_issuer, "inservice-transfer",
                                         StaticKeySource(signer.jwks))
    for code, organiser in (("bench-file", "313301"), ("bench-push", "313302")):
        _open(runtime, code, "313301")
        made = course_rows if organiser == "313301" else courses(len(rows_data), organiser)
        for start in range(0, len(made), BATCH):
            answer = push.accept(parts.unit_of_work(), runtime.clock, directory, code,
                                 {"courses": made[start:start + BATCH]},
                                 parts.freeze_date)
            assert not answer["errors"], answer["errors"][:3]
    _analyze(url)
    measured: dict[str, Any] = {}

    def send_file() -> dict[str, Any]:
        upload = uploads.start(parts.unit_of_work(), runtime.clock, parts.vault,
                               parts.file_rules, OPERATOR, "bench-file", "attendance.xlsx",
                               data, parts.read_at_upload)
        uploads.process(parts.unit_of_work, runtime.clock, directory, parts.vault,
                        parts.file_rules, upload["upload_id"], parts.read_at_upload)
        with parts.unit_of_work() as uow:
            return uow.uploads.get(upload["upload_id"])  # type: ignore[return-value]

    with PeakMemory() as memory, Autoanalyze(url):
        started, cpu = time.perf_counter(), time.process_time()
        done = send_file()
        measured["file_s"] = time.perf_counter() - started
        measured["file_cpu_s"] = time.process_time() - cpu
    assert done["status"] == "done" and done["error_count"] == 0, done
    assert done["counts"]["attendance"]["added"] == len(rows_data), done["counts"]
    measured["peak_rss_bytes"] = memory.peak
    measured["max_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    measured["floor_s"], measured["read_s"], measured["copy_s"] = _floor(url, data,
                                                                         "bench-file")
    _analyze(url)
    started, cpu = time.perf_counter(), time.process_time()
    again = send_file()
    measured["resend_s"] = time.perf_counter() - started
    measured["resend_cpu_s"] = time.process_time() - cpu
    assert again["counts"]["attendance"]["unchanged"] == len(rows_data), again["counts"]

    client = app.test_client()
    token = signer.sign(subject="source-bench-push", roles=[], client_id="source-bench-push",
                        scope="transfer", source="bench-push")
    headers = {"Authorization": f"Bearer {token}"}
    bodies = [{"attendance": [dict(zip(HEADER, row, strict=True))
                              for row in rows_data[start:start + BATCH]]}
              for start in range(0, len(rows_data), BATCH)]
    with Autoanalyze(url):
        started, cpu = time.perf_counter(), time.process_time()
        for body in bodies:
            answer = client.post("/sources/bench-push/batches", json=body, headers=headers)
            assert answer.status_code == 200 and not answer.json["errors"], answer.json
        measured["push_s"] = time.perf_counter() - started
        measured["push_cpu_s"] = time.process_time() - cpu
    with parts.unit_of_work() as uow:
        assert uow.records.counts("bench-push")["attendance"] == len(rows_data)  # all added
    measured["push_floor_s"], _read, _copy = _floor(url, data, "bench-push", read=False)
    return measured


# The tables a send grows.
ANALYZED = ("transfer_courses", "transfer_attendance")


def _analyze(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        for table in ANALYZED:
            connection.execute(f"ANALYZE {table}")


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


def _floor(url: str, data: bytes, source: str, read: bool = True) -> tuple[float, float, float]:
    """calamine reading the file (the push reads none) plus a client COPYing the
    finished rows and their events into fresh tables of the same shape."""
    read_s = 0.0
    if read:
        started = time.perf_counter()
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        rows = book.get_sheet_by_name("attendance").to_python()
        read_s = time.perf_counter() - started
        assert len(rows) > 1
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


def _write(rows: int, file_bytes: int, m: dict[str, Any], load_at_start: float) -> dict[str, Any]:
    ratio = round(m["floor_s"] / m["file_s"], 3)
    push_ratio = round(m["push_floor_s"] / m["push_s"], 3)
    speedup = round(m["file_s"] / m["resend_s"], 2)
    peak_mb = round(m["peak_rss_bytes"] / 2**20, 1)
    met = {"file_ratio_to_floor": ratio >= GOAL_RATIO_TO_FLOOR,
           "push_ratio_to_floor": push_ratio >= GOAL_RATIO_TO_FLOOR,
           "resend_speedup": speedup >= GOAL_RESEND_SPEEDUP,
           "peak_rss": peak_mb < GOAL_PEAK_RSS_MB}
    figures = {
        "figure": "rows_per_s", "file_rows_per_s": round(rows / m["file_s"], 1),
        "baseline": "floor_rows_per_s", "floor_rows_per_s": round(rows / m["floor_s"], 1),
        "ratio_to_floor": ratio,
        "push_rows_per_s": round(rows / m["push_s"], 1),
        "push_floor_rows_per_s": round(rows / m["push_floor_s"], 1),
        "push_ratio_to_floor": push_ratio,
        "resend_rows_per_s": round(rows / m["resend_s"], 1), "resend_speedup": speedup,
        "peak_rss_mb": peak_mb,
        "process_max_rss_mb": round(m["max_rss_bytes"] / 2**20, 1),
        "elapsed_s": {"file": round(m["file_s"], 3), "floor": round(m["floor_s"], 3),
                      "floor_calamine_read": round(m["read_s"], 3),
                      "floor_copy": round(m["copy_s"], 3),
                      "resend_unchanged": round(m["resend_s"], 3),
                      "push": round(m["push_s"], 3),
                      "push_floor_copy": round(m["push_floor_s"], 3)},
        # This process's own CPU (every thread; not the server's): less moved by other
        # work on the machine than the elapsed times, so a change's effect on the Python
        # side shows through the noise.
        "process_cpu_s": {name: round(m[f"{name}_cpu_s"], 3)
                          for name in ("file", "resend", "push")},
        "goal": (f"ratio_to_floor >= {GOAL_RATIO_TO_FLOOR} (file and push), re-send >= "
                 f"{GOAL_RESEND_SPEEDUP}x faster, peak RSS < {GOAL_PEAK_RSS_MB} MB"),
        "goals": met, "goal_met": all(met.values()),
    }
    parameters = {"rows": rows, "file_bytes": file_bytes, "format": "xlsx (openpyxl)",
                  "batch": BATCH, "rows_per_course": PER_COURSE, "teachers": TEACHERS,
                  "events_per_row": 1,
                  "teacher_directory": "in-process dict (national ID -> account id), not "
                                       "the accounts service over HTTP",
                  "push_through": "Flask test client: JSON, machine token verified",
                  "analyze": "as autovacuum would (off on this machine): the record tables "
                             "analyzed after loading the courses, after the first send, and "
                             f"every {Autoanalyze.EVERY_S:.0f} s during the timed writes",
                  "baseline_is": "calamine reading the file + a client COPYing the finished "
                                 "attendance rows and their events into fresh tables of the "
                                 "same shape (attendance partitioned by year)"}
    return write_result("transfer", figures, parameters, load_at_start)


if __name__ == "__main__":
    run()
