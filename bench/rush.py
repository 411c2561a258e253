"""Scenario ``rush`` (issue 10, Measured): the midnight rush on enrolment.

Teachers with real access tokens from the sso service (authorization code flows through
the gateway, the platform's web client) enrol through the gateway into 20 courses of 40
seats whose windows open at the same instant, from ``CLIENTS`` concurrent clients (each a
keep-alive connection). The courses service runs as production runs it: gunicorn, its
own PostgreSQL database on the shared server, its relay publishing to RabbitMQ (a vhost
of the run's own), all separate processes. The 20 courses are 10 series of two sessions
of one session per teacher; every teacher tries both sessions of one series, so half the
attempts at least are refused (``duplicate-session``, ``course-full``) as in a real rush.

Figures per run: ``accepted_per_s`` (201s), ``answers_per_s`` (every answer), p50/p99
latency, ``oversold`` (seats taken beyond capacity, counted in the database: must be 0),
``duplicate_sessions`` (teachers holding both sessions of a series: must be 0), and
``ratio``: enrolment answers per second over a trivial endpoint's (``TRIVIAL_PATH``, with
the same tokens through the gateway) measured in the same run by the same clients.

Cost growth: the run is made twice on the same processes, first over ``BACKGROUND``
courses and enrolments already in the database, then over ten times as many
(``ratio_10x_over_1x`` should stay within 10 %). ``python -m bench rush``.
"""
from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

from bench import scratch
from bench.gateway import UNLIMITED, WEB_THREADS, WEB_WORKERS
from bench.processes import REPO_ROOT, running, wait_answering
from bench.results import load_average, write_result
from bench.sso import _HIDDEN
from servicekit.testing.processes import free_port

TEACHERS = 2000
CLIENTS = 200
PROCESSES = 8  # the clients' threads spread over processes (one GIL each)
COURSES, SEATS = 20, 40
BACKGROUND = {"courses": 1000, "enrolments": 25_000}  # the 1x run; the 10x run has 10 times
TOKEN_THREADS = 8
TIMEOUT_S = 30
STARTUP_TIMEOUT = 120  # a busy machine starts gunicorn slowly
OPEN_DELAY_S = 8  # the clients are ready before the window opens
# The gateway answers no service's /healthz (an internal path), so the trivial endpoint is
# the courses service's smallest public read: one primary-key lookup of its unit replica
# (a unit that is not there: 404), with the same token, verified as the enrolment's is.
TRIVIAL_PATH = "/api/courses/units/NO-SUCH-UNIT"
TRIVIAL_REQUESTS_PER_CLIENT = 20  # as many as the rush's (10 teachers x 2 sessions)


def run() -> dict[str, Any]:
    load_at_start = load_average()
    run_id = scratch.suffix()
    with tempfile.TemporaryDirectory(prefix="bench-rush-") as data_dir, \
            scratch.databases(f"bench_rush_{run_id}") as urls, \
            scratch.vhost(f"bench-rush-{run_id}") as broker_url:
        [database_url] = urls.values()
        ports = {name: free_port() for name in ("sso", "courses", "gateway")}
        gateway_url = f"http://127.0.0.1:{ports['gateway']}"
        common = {"WEB_WORKERS": WEB_WORKERS, "WEB_THREADS": WEB_THREADS, "LOG_LEVEL": "WARNING",
                  "DATA_DIR": data_dir, "TOKEN_ISSUER": gateway_url,
                  "SSO_URL": f"http://127.0.0.1:{ports['sso']}"}
        # Sign-in is not measured here: cheap password hashes make 2,000 flows quick.
        sso_env = {**common, "SSO_HTTP_PORT": str(ports["sso"]), "SSO_ARGON2_TIME_COST": "1",
                   "SSO_ARGON2_MEMORY_KIB": "4096", "SSO_ARGON2_PARALLELISM": "1",
                   "SSO_ACCESS_TOKEN_SECONDS": "3600"}
        courses_env = {**common, "COURSES_HTTP_PORT": str(ports["courses"]),
                       "COURSES_DATABASE_URL": database_url, "COURSES_BROKER_URL": broker_url,
                       "COURSES_SMTP_PORT": "9"}
        gateway_env = {**common, "GATEWAY_HTTP_PORT": str(ports["gateway"]),
                       "GATEWAY_SSO_URL": f"http://127.0.0.1:{ports['sso']}",
                       "GATEWAY_COURSES_URL": f"http://127.0.0.1:{ports['courses']}",
                       "GATEWAY_RATE_LIMIT_ANONYMOUS": UNLIMITED,
                       "GATEWAY_RATE_LIMIT_AUTHENTICATED": UNLIMITED}
        logins = _seed_sso(sso_env, gateway_url)
        _run_module(["-m", "services.courses", "migrate"], courses_env)
        with running(["-m", "services.sso", "web"], sso_env) as sso, \
                running(["-m", "services.courses", "web"], courses_env) as courses, \
                running(["-m", "services.courses", "relay"], courses_env) as relay, \
                running(["-m", "gateway", "web"], gateway_env) as gateway:
            wait_answering([(f"http://127.0.0.1:{ports['sso']}/healthz", sso),
                            (f"http://127.0.0.1:{ports['courses']}/healthz", courses),
                            (gateway_url + "/.well-known/openid-configuration", gateway)],
                           STARTUP_TIMEOUT)
            started = time.monotonic()
            tokens = _tokens(gateway_url, logins)
            token_s = time.monotonic() - started
            print(f"rush: {len(tokens)} tokens in {token_s:.0f} s", file=sys.stderr)
            # A round of the trivial calls unmeasured first: every worker's app, connections
            # and caches made before the 1x figures, as they are for the 10x ones.
            warm_up: list[list[tuple[str, list[str]]]] = [[] for _ in range(CLIENTS)]
            for n, token in enumerate(tokens):
                warm_up[n % CLIENTS].append((token, []))
            _fire(gateway_url, warm_up, "trivial", time.time() + 1)
            runs = {}
            for factor in (1, 10):
                _background(database_url, factor)
                print(f"rush: {factor}x background in place", file=sys.stderr)
                runs[f"{factor}x"] = _one_rush(gateway_url, database_url, tokens)
                print(f"rush: {factor}x {json.dumps(runs[f'{factor}x'])}", file=sys.stderr)
                if any(int(status) >= 500 for status in runs[f"{factor}x"]["statuses"]):
                    # An answer of 5xx is a fault to find: what the services logged (warnings
                    # and errors only, at this run's log level) is shown with the figures.
                    for name, server in (("courses", courses), ("gateway", gateway)):
                        print(f"rush: {name} logged:\n{server.output(12000)}", file=sys.stderr)
                for server in (sso, courses, relay, gateway):
                    server.check_alive()
    small, large = runs["1x"], runs["10x"]
    figures = {
        "figure": "answers_per_s", **{k: v for k, v in small.items() if k != "background"},
        "baseline": "trivial_answers_per_s",
        "goal": "ratio >= 0.5, p99 < 4 x trivial p99, oversold 0, duplicate sessions 0; "
                "10x background: ratio within 10 %",
        "background_10x": large,
        "ratio_10x_over_1x": round(large["ratio"] / small["ratio"], 3),
        "tokens": {"teachers": len(tokens), "seconds": round(token_s, 1)},
    }
    parameters = {"teachers": TEACHERS, "clients": CLIENTS, "client_processes": PROCESSES,
                  "courses": COURSES, "seats": SEATS, "sessions_per_series": 2,
                  "attempts_per_teacher": 2, "background_1x": BACKGROUND,
                  "web_workers": int(WEB_WORKERS), "web_threads": int(WEB_THREADS),
                  "path": "POST /api/courses/<id>/enrolments",
                  "trivial_path": f"GET {TRIVIAL_PATH} (with the same tokens)"}
    result = write_result("rush", figures, parameters, load_at_start)
    for name, one in runs.items():
        print(f"rush ({name} background): {one['accepted_per_s']:.0f} accepted/s, "
              f"{one['answers_per_s']:.0f} answers/s (trivial {one['trivial_answers_per_s']:.0f}/s, "
              f"ratio {one['ratio']:.2f}); p50 {one['p50_ms']:.0f} ms p99 {one['p99_ms']:.0f} ms "
              f"(trivial p99 {one['trivial_p99_ms']:.0f} ms); oversold {one['oversold']}, "
              f"duplicate sessions {one['duplicate_sessions']}, errors {one['errors']}")
    return result


# -- setting up --------------------------------------------------------------------------------
def _run_module(args: list[str], env: dict[str, str]) -> None:
    subprocess.run([sys.executable, *args], check=True, timeout=STARTUP_TIMEOUT * 4,
                   cwd=REPO_ROOT, env={**os.environ, **env, "PYTHONPATH": str(REPO_ROOT)},
                   capture_output=True)


def _seed_sso(env: dict[str, str], gateway_url: str) -> list[tuple[str, str]]:
    subprocess.run([sys.executable, "-c", _SSO_SEED, gateway_url, str(TEACHERS)], check=True,
                   timeout=600, cwd=REPO_ROOT,
                   env={**os.environ, **env, "PYTHONPATH": str(REPO_ROOT)})
    return [(f"rush{n:05d}", "rush-password") for n in range(TEACHERS)]


_SSO_SEED = """
import sys, uuid
from servicekit.cli import migrate
from servicekit.service import Runtime
from servicekit.settings import Settings
from services.sso.bootstrap import DEFINITION
from services.sso.domain.clients import ENABLED, FIRST_PARTY, Client
from services.sso.handlers.credentials import set_passwords
from services.sso.handlers.replica import apply_account

gateway, count = sys.argv[1:]
runtime = Runtime(DEFINITION, Settings.from_env("sso"))
migrate(runtime)
sso = runtime.components
sso.keys.ensure()
sso.partners.register(Client(client_id="web", name="Web", kind=FIRST_PARTY, status=ENABLED,
                              redirect_uris=(gateway + "/auth/callback",), auth_method="none",
                              allowed_scopes=("openid",)), by="bench")
hashes = {}
# One password for every teacher, hashed once (sign-in is not what is measured).
shared_hash = sso.passwords.hash("rush-password")
with sso.unit_of_work() as uow:
    for n in range(int(count)):
        account_id = str(uuid.uuid4())
        apply_account(uow, sso.clock, sso.sign_out, {
            "account_id": account_id, "login": f"rush{n:05d}", "kind": "teacher",
            "status": "enabled", "display_name": f"Rush {n}", "version": 1})
        hashes[account_id] = shared_hash
set_passwords(sso.unit_of_work(), sso.clock, hashes, method="setup")
runtime.database.dispose()
"""


def _tokens(gateway_url: str, logins: list[tuple[str, str]]) -> list[str]:
    """One access token per teacher, each from a whole code flow with PKCE (tried again
    when the busy machine drops a step)."""
    with ThreadPoolExecutor(TOKEN_THREADS) as pool:
        return list(pool.map(lambda login: _token(gateway_url, login), logins))


def _token(gateway_url: str, login: tuple[str, str], tries: int = 5) -> str:
    for attempt in range(tries):
        try:
            return _platform_token(gateway_url, login)
        except (requests.RequestException, KeyError, IndexError) as error:
            if attempt == tries - 1:
                raise RuntimeError(f"no token for {login[0]}: {error!r}") from error
            time.sleep(1 + attempt)
    raise AssertionError("unreachable")


def _platform_token(gateway_url: str, login: tuple[str, str]) -> str:
    """The platform web client's code flow with PKCE, as bench.sso makes it, with time-outs
    (a busy machine must not leave a flow waiting for ever)."""
    web = OAuth2Session("web", scope="openid", redirect_uri=gateway_url + "/auth/callback",
                        code_challenge_method="S256", token_endpoint_auth_method="none")
    verifier = generate_token(48)
    url, _ = web.create_authorization_url(gateway_url + "/oauth/authorize",
                                          code_verifier=verifier)
    browser = requests.Session()
    first = browser.get(url, allow_redirects=False, timeout=TIMEOUT_S)
    page = browser.get(first.headers["Location"], timeout=TIMEOUT_S)
    answer = browser.post(gateway_url + "/login", allow_redirects=False, timeout=TIMEOUT_S,
                          data={**dict(_HIDDEN.findall(page.text)), "username": login[0],
                                "password": login[1]})
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    token = web.fetch_token(gateway_url + "/oauth/token", code=code, code_verifier=verifier,
                            timeout=TIMEOUT_S)
    return str(token["access_token"])


def _pg(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


COURSE_COLUMNS = ("course_id", "code", "status", "title", "unit_code", "organiser_account_id",
                  "audiences", "class_type", "nature", "category", "subcategory", "subject",
                  "time_slot", "starts_on", "ends_on", "hours", "place", "county_code",
                  "lecturers", "capacity", "enrolment_opens_at", "enrolment_closes_at",
                  "organiser_accepts", "fairness", "series_id", "reviewing_authority_code",
                  "version", "created_at", "updated_at")


def _course(opens: datetime, capacity: int, series_id: str | None) -> tuple[Any, ...]:
    course_id = str(uuid.uuid4())
    return (course_id, "R" + course_id.replace("-", "")[:20], "approved", "搶課測試課程",
            "190001", str(uuid.uuid4()), '["elementary"]', "workshop", "general", "A", "A1",
            "A1a", "weekday", date(2099, 1, 1), date(2099, 1, 1), 3, "臺中市", "TXG", "[]",
            capacity, opens, opens + timedelta(days=7), False, "first_come", series_id,
            "TXG", 1, opens, opens)


def _background(database_url: str, factor: int) -> None:
    """Brings the courses and enrolments already there to ``factor`` times BACKGROUND (old
    approved courses, full of enrolments and their attempts)."""
    want_courses = BACKGROUND["courses"] * factor
    want_enrolments = BACKGROUND["enrolments"] * factor
    with psycopg.connect(_pg(database_url)) as db:
        have = db.execute("SELECT count(*) FROM courses").fetchone()[0]
        have_enrolments = db.execute("SELECT count(*) FROM enrolments").fetchone()[0]
        opened = datetime.now(UTC) - timedelta(days=30)
        new = [_course(opened, 40, None) for _ in range(max(0, want_courses - have))]
        with db.cursor().copy(f"COPY courses ({', '.join(COURSE_COLUMNS)}) FROM STDIN") as copy:
            for row in new:
                copy.write_row(row)
        ids = [row[0] for row in new]
        per_course = max(1, (want_enrolments - have_enrolments) // max(1, len(ids)))
        rows = [(str(uuid.uuid4()), course_id, str(uuid.uuid4()), arrival)
                for course_id in ids for arrival in range(1, per_course + 1)]
        # One COPY at a time on a connection.
        with db.cursor().copy("COPY enrolments (enrolment_id, course_id, account_id, status, "
                              "arrival, created_at, updated_at) FROM STDIN") as copy:
            for enrolment_id, course_id, account, arrival in rows:
                copy.write_row((enrolment_id, course_id, account, "enrolled", arrival, opened,
                                opened))
        with db.cursor().copy("COPY enrolment_attempts (course_id, account_id, arrival, "
                              "outcome, enrolment_id, at) FROM STDIN") as copy:
            for enrolment_id, course_id, account, arrival in rows:
                copy.write_row((course_id, account, arrival, "enrolled", enrolment_id, opened))
        with db.cursor().copy("COPY course_seats (course_id, enrolled, waitlisted, arrivals) "
                              "FROM STDIN") as copy:
            for course_id in ids:
                copy.write_row((course_id, per_course, 0, per_course))
        db.execute("ANALYZE")
    # The bulk load's dirty pages written out now, not by a checkpoint in the middle of the
    # rush that follows (the scratch database's owner is the server's superuser).
    with psycopg.connect(_pg(database_url), autocommit=True) as db:
        db.execute("CHECKPOINT")


def _rush_courses(database_url: str, opens: datetime) -> list[list[str]]:
    """10 series of two sessions, 40 seats each, one session per teacher."""
    series: list[list[str]] = []
    with psycopg.connect(_pg(database_url)) as db:
        for _ in range(COURSES // 2):
            series_id = str(uuid.uuid4())
            db.execute("INSERT INTO course_series VALUES (%s, '190001', '搶課系列', true, %s)",
                       (series_id, opens))
            sessions = []
            for _ in range(2):
                row = _course(opens, SEATS, series_id)
                db.execute(f"INSERT INTO courses ({', '.join(COURSE_COLUMNS)}) VALUES "
                           f"({', '.join(['%s'] * len(COURSE_COLUMNS))})", row)
                sessions.append(row[0])
            series.append(sessions)
    return series


# -- the rush ----------------------------------------------------------------------------------
def _one_rush(gateway_url: str, database_url: str, tokens: list[str]) -> dict[str, Any]:
    opens = datetime.now(UTC) + timedelta(seconds=OPEN_DELAY_S)
    series = _rush_courses(database_url, opens)
    chooser = random.Random(len(tokens))
    plans: list[list[tuple[str, list[str]]]] = [[] for _ in range(CLIENTS)]
    for n, token in enumerate(tokens):
        sessions = list(chooser.choice(series))
        chooser.shuffle(sessions)
        plans[n % CLIENTS].append((token, sessions))
    # The trivial endpoint by the same clients with the same tokens before the rush (which
    # starts at the instant the windows open) and again after it: what else the machine is
    # doing falls on both figures, not on one.
    before = _fire(gateway_url, plans, "trivial", time.time() + 1)
    rush = _fire(gateway_url, plans, "enrol", opens.timestamp() + 0.05)
    trivial = _combined(before, _fire(gateway_url, plans, "trivial", time.time() + 1))
    facts = _facts(database_url, [c for pair in series for c in pair])
    return {
        "accepted_per_s": round(rush["accepted"] / rush["seconds"], 1),
        "answers_per_s": round(rush["answers"] / rush["seconds"], 1),
        "p50_ms": rush["p50_ms"], "p99_ms": rush["p99_ms"],
        "trivial_answers_per_s": round(trivial["answers"] / trivial["seconds"], 1),
        "trivial_p50_ms": trivial["p50_ms"], "trivial_p99_ms": trivial["p99_ms"],
        "ratio": round((rush["answers"] / rush["seconds"])
                       / (trivial["answers"] / trivial["seconds"]), 3),
        "p99_over_trivial_p99": round(rush["p99_ms"] / trivial["p99_ms"], 2),
        "answers": rush["answers"], "statuses": rush["statuses"], "outcomes": rush["outcomes"],
        "errors": rush["errors"] + trivial["errors"], **facts,
    }


def _fire(gateway_url: str, plans: list[list[tuple[str, list[str]]]], kind: str,
          start_at: float) -> dict[str, Any]:
    spawn = multiprocessing.get_context("spawn")
    groups = [plans[n::PROCESSES] for n in range(PROCESSES)]
    with spawn.Pool(PROCESSES) as pool:
        parts = pool.starmap(_client_process, [(gateway_url, group, kind, start_at)
                                               for group in groups])
    latencies = sorted(lat for part in parts for lat in part["latencies"])
    statuses: dict[str, int] = {}
    outcomes: dict[str, int] = {}
    for part in parts:
        for key, count in part["statuses"].items():
            statuses[key] = statuses.get(key, 0) + count
        for key, count in part["outcomes"].items():
            outcomes[key] = outcomes.get(key, 0) + count
    seconds = max(p["ended"] for p in parts) - min(p["started"] for p in parts)
    return {"answers": len(latencies), "accepted": statuses.get("201", 0),
            "seconds": seconds, "statuses": statuses, "outcomes": outcomes,
            "errors": sum(p["errors"] for p in parts), **_percentiles(latencies)}


def _percentiles(latencies: list[float]) -> dict[str, Any]:
    ordered = sorted(latencies)
    return {"latencies": ordered, "p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 1)}


def _combined(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """Two measurements of the same calls as one: answers over the seconds of both."""
    return {"answers": first["answers"] + second["answers"],
            "seconds": first["seconds"] + second["seconds"],
            "errors": first["errors"] + second["errors"],
            **_percentiles(first["latencies"] + second["latencies"])}


def _client_process(gateway_url: str, plans: list[list[tuple[str, list[str]]]], kind: str,
                    start_at: float) -> dict[str, Any]:
    """The clients of one process, a thread each, all released at ``start_at``."""
    with ThreadPoolExecutor(len(plans)) as pool:
        results = list(pool.map(lambda plan: _client(gateway_url, plan, kind, start_at), plans))
    merged: dict[str, Any] = {"latencies": [], "statuses": {}, "outcomes": {}, "errors": 0,
                              "started": min(r["started"] for r in results),
                              "ended": max(r["ended"] for r in results)}
    for r in results:
        merged["latencies"] += r["latencies"]
        merged["errors"] += r["errors"]
        for field in ("statuses", "outcomes"):
            for key, count in r[field].items():
                merged[field][key] = merged[field].get(key, 0) + count
    return merged


def _client(gateway_url: str, plan: list[tuple[str, list[str]]], kind: str,
            start_at: float) -> dict[str, Any]:
    parts = urlsplit(gateway_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    connection.connect()
    if kind == "trivial":
        calls = [("GET", TRIVIAL_PATH, token) for token, _ in plan
                 for _ in range(TRIVIAL_REQUESTS_PER_CLIENT // max(1, len(plan)))]
    else:
        calls = [("POST", f"/api/courses/{course}/enrolments", token)
                 for token, sessions in plan for course in sessions]
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    outcomes: dict[str, int] = {}
    errors = 0
    time.sleep(max(0.0, start_at - time.time()))
    started = time.time()
    for method, path, token in calls:
        sent = time.perf_counter()
        try:
            connection.request(method, path, headers={"Authorization": f"Bearer {token}",
                                                      "Content-Length": "0"})
            response = connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            errors += 1
            connection.close()
            continue
        latencies.append(time.perf_counter() - sent)
        statuses[str(response.status)] = statuses.get(str(response.status), 0) + 1
        if kind == "enrol":
            answer = json.loads(body or b"{}")
            outcome = answer.get("status") if response.status == 201 else \
                str(answer.get("type", response.status)).rsplit(":", 1)[-1]
            outcomes[str(outcome)] = outcomes.get(str(outcome), 0) + 1
    ended = time.time()
    connection.close()
    return {"latencies": latencies, "statuses": statuses, "outcomes": outcomes,
            "errors": errors, "started": started, "ended": ended}


def _facts(database_url: str, course_ids: list[str]) -> dict[str, int]:
    """What the database holds after the rush: seats beyond capacity, teachers with both
    sessions of a series, counters that disagree with the rows."""
    with psycopg.connect(_pg(database_url)) as db:
        oversold = db.execute(
            "SELECT coalesce(sum(greatest(n - capacity, 0)), 0) FROM ("
            " SELECT c.course_id, c.capacity, count(e.*) FILTER (WHERE e.status IN "
            " ('enrolled', 'pending')) AS n FROM courses c LEFT JOIN enrolments e"
            " ON e.course_id = c.course_id WHERE c.course_id = ANY(%s)"
            " GROUP BY c.course_id, c.capacity) t", (course_ids,)).fetchone()[0]
        duplicates = db.execute(
            "SELECT count(*) FROM (SELECT c.series_id, e.account_id FROM enrolments e"
            " JOIN courses c ON c.course_id = e.course_id WHERE c.course_id = ANY(%s)"
            " AND e.status IN ('enrolled', 'pending', 'waitlisted')"
            " GROUP BY c.series_id, e.account_id HAVING count(*) > 1) t",
            (course_ids,)).fetchone()[0]
        seated = db.execute(
            "SELECT count(*) FROM enrolments WHERE course_id = ANY(%s) AND status = 'enrolled'",
            (course_ids,)).fetchone()[0]
        counters_off = db.execute(
            "SELECT count(*) FROM course_seats s WHERE s.course_id = ANY(%s) AND s.enrolled <>"
            " (SELECT count(*) FROM enrolments e WHERE e.course_id = s.course_id"
            "  AND e.status IN ('enrolled', 'pending'))", (course_ids,)).fetchone()[0]
        attempts = db.execute("SELECT count(*) FROM enrolment_attempts WHERE course_id = ANY(%s)",
                              (course_ids,)).fetchone()[0]
    return {"oversold": int(oversold), "duplicate_sessions": int(duplicates),
            "seats_taken": int(seated), "seats": COURSES * SEATS,
            "counters_disagreeing": int(counters_off), "attempts_recorded": int(attempts)}


if __name__ == "__main__":
    run()
