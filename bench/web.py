"""Scenario ``web`` (issue 14, "Measured"): pages per second and p95 of the search results
page and the course page, signed in as a teacher, through the gateway, against the API
calls those pages make, measured in the same run; and the bytes each page type costs a
browser (its HTML with the stylesheet and scripts it names).

Production's shape, every server its own gunicorn (2 workers of 4 threads): sso, courses
(PostgreSQL, a 20,000-course catalogue from ``bench.data``), accounts (the directory the
search form takes its counties from), the gateway, the web client (sessions in Redis, as
in production) and the web client's own gateway (``API_ONLY``, reached at
``WEB_GATEWAY_URL``): a page holds one of the public gateway's threads while it waits for
its API calls, so those calls go through threads of their own (docs/architecture.md,
"The web client's own gateway"). The teacher signs in through the web
client's own code flow with PKCE; the API side uses an access token of the same teacher
from the same flow. ``ratio`` = page rate / API rate (goal ≥ 0.5); the bytes goal is
150 KB per page type, before charts.

What each page asks of the API (web/pages/teacher.py; the vocabularies the pages label
with are kept five minutes per process, so after the warm-up they cost nothing):
- the search page: ``GET /api/courses`` with the keyword;
- the course page: ``GET /api/courses/<id>`` and the teacher's own enrolments,
  ``GET /api/courses/enrolments/me``.
"""
from __future__ import annotations

import http.client
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any
from urllib.parse import quote, urlsplit

import psycopg
import requests

from bench import data, scratch
from bench.gateway import UNLIMITED, WEB_THREADS, WEB_WORKERS
from bench.processes import REPO_ROOT, running, wait_answering
from bench.results import load_average, write_result
from bench.rush import _SSO_SEED, _platform_token
from bench.sso import _HIDDEN
from servicekit.testing.processes import free_port

COURSES = 20_000
KEYWORD = "閱讀"  # a common two-character word: a full first page of results
CONNECTIONS = 8  # client processes, each one keep-alive connection
ROUNDS = 2  # pages and API take turns, so a neighbour's load falls on both
ROUND_S = 8
WARM_UP_S = 3
STARTUP_TIMEOUT = 60
TIMEOUT_S = 30
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
ASSET = re.compile(r'<(?:link[^>]+href|script[^>]+src)="(/static/[^"]+)"')


def run() -> dict[str, Any]:
    load_at_start = load_average()
    run_id = scratch.suffix()
    with tempfile.TemporaryDirectory(prefix="bench-web-") as data_dir, \
            scratch.databases(f"bench_web_{run_id}") as urls, \
            scratch.vhost(f"bench-web-{run_id}") as broker_url:
        [database_url] = urls.values()
        data.run(database_url, COURSES)
        ports = {name: free_port()
                 for name in ("sso", "courses", "accounts", "gateway", "gateway-for-web", "web")}
        gateway_url = f"http://127.0.0.1:{ports['gateway']}"
        common = {"WEB_WORKERS": WEB_WORKERS, "WEB_THREADS": WEB_THREADS, "LOG_LEVEL": "WARNING",
                  "DATA_DIR": data_dir, "TOKEN_ISSUER": gateway_url, "PUBLIC_URL": gateway_url,
                  "SSO_URL": f"http://127.0.0.1:{ports['sso']}"}
        sso_env = {**common, "SSO_HTTP_PORT": str(ports["sso"]), "SSO_ARGON2_TIME_COST": "1",
                   "SSO_ARGON2_MEMORY_KIB": "4096", "SSO_ARGON2_PARALLELISM": "1",
                   "SSO_ACCESS_TOKEN_SECONDS": "3600"}
        courses_env = {**common, "COURSES_HTTP_PORT": str(ports["courses"]),
                       "COURSES_DATABASE_URL": database_url, "COURSES_BROKER_URL": broker_url,
                       "COURSES_SMTP_PORT": "9"}
        # The directory of authorities the search form names its counties from (SQLite:
        # read once per worker every five minutes, it is not what is measured).
        accounts_env = {**common, "ACCOUNTS_HTTP_PORT": str(ports["accounts"])}
        gateway_env = {**common, "GATEWAY_HTTP_PORT": str(ports["gateway"]),
                       "GATEWAY_ACCOUNTS_URL": f"http://127.0.0.1:{ports['accounts']}",
                       "GATEWAY_SSO_URL": f"http://127.0.0.1:{ports['sso']}",
                       "GATEWAY_COURSES_URL": f"http://127.0.0.1:{ports['courses']}",
                       "GATEWAY_WEB_URL": f"http://127.0.0.1:{ports['web']}",
                       "GATEWAY_RATE_LIMIT_ANONYMOUS": UNLIMITED,
                       "GATEWAY_RATE_LIMIT_AUTHENTICATED": UNLIMITED}
        # The same gateway, settings and all, on a port of its own and for the API alone.
        api_gateway_env = {**gateway_env, "GATEWAY_HTTP_PORT": str(ports["gateway-for-web"]),
                           "GATEWAY_API_ONLY": "true"}
        api_gateway_url = f"http://127.0.0.1:{ports['gateway-for-web']}"
        web_env = {**common, "WEB_HTTP_PORT": str(ports["web"]),
                   "WEB_GATEWAY_URL": api_gateway_url, "WEB_SESSION_STORE": REDIS_URL}
        subprocess.run([sys.executable, "-c", _SSO_SEED, gateway_url, "1"], check=True,
                       timeout=600, cwd=REPO_ROOT,
                       env={**os.environ, **sso_env, "PYTHONPATH": str(REPO_ROOT)})
        subprocess.run([sys.executable, "-m", "services.accounts", "migrate"], check=True,
                       timeout=600, cwd=REPO_ROOT, capture_output=True,
                       env={**os.environ, **accounts_env, "PYTHONPATH": str(REPO_ROOT)})
        login = ("rush00000", "rush-password")
        with running(["-m", "services.sso", "web"], sso_env) as sso, \
                running(["-m", "services.courses", "web"], courses_env) as courses, \
                running(["-m", "services.accounts", "web"], accounts_env) as accounts, \
                running(["-m", "gateway", "web"], gateway_env) as gateway, \
                running(["-m", "gateway", "web"], api_gateway_env) as api_gateway, \
                running(["-m", "web", "web"], web_env) as web:
            wait_answering([(f"http://127.0.0.1:{ports['sso']}/healthz", sso),
                            (f"http://127.0.0.1:{ports['courses']}/healthz", courses),
                            (f"http://127.0.0.1:{ports['web']}/healthz", web),
                            (f"http://127.0.0.1:{ports['accounts']}/healthz", accounts),
                            (gateway_url + "/.well-known/openid-configuration", gateway),
                            (api_gateway_url + "/.well-known/openid-configuration",
                             api_gateway)],
                           STARTUP_TIMEOUT)
            cookie = _signed_in(gateway_url, login)
            token = _platform_token(gateway_url, login)
            course_id = _a_course(database_url)
            pages = {
                "search": ([f"/courses?q={quote(KEYWORD)}"],
                           [f"/api/courses?q={quote(KEYWORD)}"]),
                "course": ([f"/courses/{course_id}"],
                           [f"/api/courses/{course_id}", "/api/courses/enrolments/me"]),
            }
            page_headers = {"Cookie": cookie}
            api_headers = {"Authorization": f"Bearer {token}"}
            figures: dict[str, Any] = {}
            for name, (page_paths, api_paths) in pages.items():
                _check_answers(gateway_url, page_paths, page_headers)
                _check_answers(gateway_url, api_paths, api_headers)
                _load(gateway_url, page_paths, page_headers, WARM_UP_S)
                _load(gateway_url, api_paths, api_headers, WARM_UP_S)
                rounds = [(_load(gateway_url, page_paths, page_headers, ROUND_S),
                           _load(gateway_url, api_paths, api_headers, ROUND_S))
                          for _ in range(ROUNDS)]
                page, api = (_combined([r[0] for r in rounds]),
                             _combined([r[1] for r in rounds]))
                figures[name] = {
                    "pages_per_s": page["per_s"], "page_p95_ms": page["p95_ms"],
                    "page_p50_ms": page["p50_ms"], "page_errors": page["errors"],
                    "page_failures": page.get("failures", {}),
                    "api_per_s": api["per_s"], "api_p95_ms": api["p95_ms"],
                    "api_p50_ms": api["p50_ms"], "api_errors": api["errors"],
                    "ratio": round(page["per_s"] / api["per_s"], 3) if api["per_s"] else 0,
                    "bytes": _page_bytes(gateway_url, page_paths[0], page_headers),
                    "page": page_paths[0], "api_calls": api_paths}
                if page["errors"] or api["errors"]:
                    # A failed call is a fault to find: what the servers logged goes with it.
                    print(f"web {name}: failures {page['failures']} {api['failures']}",
                          file=sys.stderr)
                    for label, server in (("web", web), ("gateway", gateway),
                                          ("gateway-for-web", api_gateway),
                                          ("courses", courses)):
                        print(f"web: {label} logged:\n{server.output(6000)}", file=sys.stderr)
                for server in (sso, courses, accounts, gateway, api_gateway, web):
                    server.check_alive()
    result = write_result("web", {
        "figure": "pages_per_s", "baseline": "api_per_s (the API calls the page makes)",
        "goal": "ratio >= 0.5; bytes < 150 KB per page type (HTML, CSS and script)",
        **figures,
        "ratio": min(one["ratio"] for one in figures.values()),
    }, {"courses": COURSES, "keyword": KEYWORD, "connections": CONNECTIONS,
        "rounds": ROUNDS, "round_s": ROUND_S, "web_workers": int(WEB_WORKERS),
        "web_threads": int(WEB_THREADS), "sessions": "redis",
        "web_gateway": "a gateway of its own (API_ONLY), same workers and threads"},
        load_at_start)
    for name, one in figures.items():
        print(f"web {name}: {one['pages_per_s']:.0f} pages/s (p95 {one['page_p95_ms']:.0f} ms) "
              f"vs API {one['api_per_s']:.0f}/s (p95 {one['api_p95_ms']:.0f} ms): ratio "
              f"{one['ratio']:.2f}; {one['bytes']['total'] / 1024:.1f} KB "
              f"(HTML {one['bytes']['html'] / 1024:.1f} KB)")
    return result


def _signed_in(gateway_url: str, login: tuple[str, str]) -> str:
    """The web client's session cookie after its sign-in (code + PKCE through the sso)."""
    browser = requests.Session()
    page = browser.get(gateway_url + "/auth/login", params={"next": "/"}, timeout=TIMEOUT_S)
    landed = browser.post(page.url.split("?")[0], timeout=TIMEOUT_S, data={
        **dict(_HIDDEN.findall(page.text)), "username": login[0], "password": login[1]})
    if landed.status_code != 200 or "inservice_session" not in browser.cookies:
        raise RuntimeError(f"sign-in through the web client failed: {landed.status_code} "
                           f"{landed.url}\n{landed.text[-800:]}")
    return f"inservice_session={browser.cookies['inservice_session']}"


def _a_course(database_url: str) -> str:
    """A published course to come with the keyword: the page a search leads to."""
    with psycopg.connect(database_url) as db:
        row = db.execute("SELECT course_id FROM courses WHERE status = 'approved' "
                         "AND starts_on > CURRENT_DATE AND title LIKE %s "
                         "ORDER BY starts_on LIMIT 1", (f"%{KEYWORD}%",)).fetchone()
    if row is None:
        raise RuntimeError("the catalogue has no course to come with the keyword")
    return str(row[0])


def _check_answers(base: str, paths: list[str], headers: dict[str, str]) -> None:
    """Every measured call answers 200 before it is measured: a fast error is no figure."""
    for path in paths:
        answer = requests.get(base + path, headers=headers, timeout=TIMEOUT_S,
                              allow_redirects=False)
        if answer.status_code != 200:
            raise RuntimeError(f"GET {path}: {answer.status_code} {answer.text[:400]}")


def _page_bytes(base: str, path: str, headers: dict[str, str]) -> dict[str, int]:
    """What a browser fetches for the page: its HTML and the stylesheet and scripts it
    names (as sent, before any compression)."""
    html = requests.get(base + path, headers=headers, timeout=TIMEOUT_S).content
    assets = sorted(set(ASSET.findall(html.decode("utf-8", "replace"))))
    sizes = {asset: len(requests.get(base + asset, timeout=TIMEOUT_S).content)
             for asset in assets}
    return {"html": len(html), **sizes, "total": len(html) + sum(sizes.values())}


def _load(base: str, paths: list[str], headers: dict[str, str],
          seconds: float) -> dict[str, Any]:
    """CONNECTIONS processes, each on one keep-alive connection, repeating the unit (the
    paths in turn) for ``seconds``; a unit's latency is all of its calls."""
    spawn = multiprocessing.get_context("spawn")
    with spawn.Pool(CONNECTIONS) as pool:
        parts = pool.starmap(_keep_asking, [(base, paths, headers, seconds)] * CONNECTIONS)
    failures: dict[str, int] = {}
    for part in parts:
        for what, count in part[1].items():
            failures[what] = failures.get(what, 0) + count
    return {"latencies": [lat for part in parts for lat in part[0]], "failures": failures,
            "errors": sum(failures.values()), "seconds": max(part[2] for part in parts)}


def _keep_asking(base: str, paths: list[str], headers: dict[str, str],
                 seconds: float) -> tuple[list[float], dict[str, int], float]:
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT_S)
    latencies: list[float] = []
    failures: dict[str, int] = {}  # "GET <path> <status or error> <seconds>" -> count
    started = time.monotonic()
    deadline = started + seconds
    while time.monotonic() < deadline:
        sent = time.perf_counter()
        failed = None
        for path in paths:
            asked = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    failed = f"{path} {response.status}"
            except (OSError, http.client.HTTPException) as error:
                failed = f"{path} {type(error).__name__}"
                connection.close()
            if failed:
                failed += f" after {time.perf_counter() - asked:.0f} s"
                break
        if failed is None:
            latencies.append(time.perf_counter() - sent)
        else:
            failures[failed] = failures.get(failed, 0) + 1
    connection.close()
    return latencies, failures, time.monotonic() - started


def _combined(runs: list[dict[str, Any]]) -> dict[str, Any]:
    latencies = sorted(lat for one in runs for lat in one["latencies"])
    seconds = sum(one["seconds"] for one in runs)
    if not latencies:
        return {"per_s": 0.0, "p50_ms": 0.0, "p95_ms": 0.0,
                "errors": sum(one["errors"] for one in runs)}
    failures: dict[str, int] = {}
    for one in runs:
        for what, count in one["failures"].items():
            failures[what] = failures.get(what, 0) + count
    return {"per_s": round(len(latencies) / seconds, 1), "failures": failures,
            "p50_ms": round(statistics.median(latencies) * 1000, 1),
            "p95_ms": round(latencies[max(0, int(len(latencies) * 0.95) - 1)] * 1000, 1),
            "errors": sum(one["errors"] for one in runs)}
