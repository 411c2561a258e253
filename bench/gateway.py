"""Scenario ``gateway``: requests per second of a trivial public endpoint — the courses
service's smallest public read, one vocabulary (``/vocabularies/time_slot``: a few rows of
one table) — through the gateway (``/api/courses/vocabularies/time_slot``; the gateway
answers no service's ``/healthz``, an internal path) and called directly, both served by
gunicorn as in production, in the same run. Later scenarios compare their own endpoints
against these two figures."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from typing import Any

from bench import http_load
from bench.processes import REPO_ROOT, Command, running
from bench.results import load_average, write_result
from servicekit.serving import wait_until_answering
from servicekit.testing.processes import free_port

# Each server as a small production pod: 2 gunicorn workers of 4 threads.
WEB_WORKERS, WEB_THREADS = "2", "4"
STARTUP_TIMEOUT = 30
WARM_UP_S = 2
# Direct and through the gateway take turns, so a neighbour's load on the machine falls
# on both figures rather than on one.
ROUNDS = 2
ROUND_S = 5
# Far above anything one machine can send: the limiter counts, but never refuses.
UNLIMITED = "1000000000/minute"
PATH = "/vocabularies/time_slot"


def _migrate(env: dict[str, str]) -> None:
    """The service's tables and seeded vocabularies, as a deployment's migrate job makes them."""
    subprocess.run([sys.executable, "-m", "services.courses", "migrate"], check=True,
                   cwd=REPO_ROOT, env={**os.environ, **env, "PYTHONPATH": str(REPO_ROOT)},
                   capture_output=True, timeout=STARTUP_TIMEOUT * 4)


def run() -> dict[str, Any]:
    load_at_start = load_average()
    with tempfile.TemporaryDirectory(prefix="bench-gateway-") as data_dir:
        courses_port, gateway_port = free_port(), free_port()
        common = {"WEB_WORKERS": WEB_WORKERS, "WEB_THREADS": WEB_THREADS,
                  "LOG_LEVEL": "WARNING", "DATA_DIR": data_dir}
        courses_env = {**common, "COURSES_HTTP_PORT": str(courses_port)}
        gateway_env = {**common, "GATEWAY_HTTP_PORT": str(gateway_port),
                       "GATEWAY_COURSES_URL": f"http://127.0.0.1:{courses_port}",
                       "GATEWAY_RATE_LIMIT_ANONYMOUS": UNLIMITED}
        direct_url = f"http://127.0.0.1:{courses_port}{PATH}"
        gateway_url = f"http://127.0.0.1:{gateway_port}/api/courses{PATH}"
        _migrate(courses_env)
        with running(["-m", "services.courses", "web"], courses_env) as courses, \
                running(["-m", "gateway", "web"], gateway_env) as gateway:
            _wait_answering(direct_url, courses)
            _wait_answering(gateway_url, gateway)
            for url in (direct_url, gateway_url):
                http_load.measure(url, WARM_UP_S)  # every worker has built its app and pools
            rounds = [(_load(direct_url, courses), _load(gateway_url, gateway, courses))
                      for _ in range(ROUNDS)]
            direct = _combined([d for d, _ in rounds])
            through_gateway = _combined([g for _, g in rounds])
    ratio = through_gateway["rps"] / direct["rps"]
    figures = {
        "figure": "gateway_rps", "gateway_rps": round(through_gateway["rps"], 1),
        "baseline": "direct_rps", "direct_rps": round(direct["rps"], 1),
        "ratio": round(ratio, 3), "goal": "none yet: the reference for later scenarios",
        "errors": {"direct": direct["errors"], "gateway": through_gateway["errors"]},
        "answered_2xx": {"direct": direct["ok"], "gateway": through_gateway["ok"]},
    }
    parameters = {
        "load_generator": http_load.tool(), "rounds": ROUNDS, "round_s": ROUND_S,
        "connections": http_load.CONNECTIONS, "warm_up_s": WARM_UP_S,
        "web_workers": int(WEB_WORKERS), "web_threads": int(WEB_THREADS),
        "direct_path": PATH, "gateway_path": f"/api/courses{PATH}",
    }
    result = write_result("gateway", figures, parameters, load_at_start)
    print(f"gateway: {result['gateway_rps']:,.0f} req/s through the gateway, "
          f"{result['direct_rps']:,.0f} req/s direct, ratio {result['ratio']:.2f} "
          f"({http_load.tool()}, {http_load.CONNECTIONS} connections"
          f"{_errors_note(result['errors'])})")
    return result


def _errors_note(errors: dict[str, int]) -> str:
    # Failed requests make the figures meaningless; say so where it is seen.
    failed = {where: count for where, count in errors.items() if count}
    return "".join(f", {count} failed {where}" for where, count in failed.items())


def _load(url: str, *servers: Command) -> dict[str, float]:
    measured = http_load.measure(url, ROUND_S)
    for server in servers:
        server.check_alive()
    return measured


def _combined(rounds: list[dict[str, float]]) -> dict[str, float]:
    totals = {key: sum(r[key] for r in rounds) for key in ("ok", "errors", "seconds")}
    return {**totals, "rps": totals["ok"] / totals["seconds"]}


def _wait_answering(url: str, server: Command) -> None:
    try:
        wait_until_answering(url, STARTUP_TIMEOUT, server.check_alive)
    except TimeoutError as error:
        raise TimeoutError(f"{error}:\n{server.output()}") from None
