"""The processes as production runs them: gunicorn with several workers, and `make up`'s
embedded platform (issue: platform foundation, points 1 and 6; R-OPS-2, R-OPS-3)."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import requests

from servicekit.settings import SERVICE_PORTS, SERVICES

from servicekit.testing.processes import free_port, wait_until_ok

ROOT = Path(__file__).resolve().parents[1]


def test_metrics_count_every_request_across_gunicorn_workers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    env = dict(os.environ, DATA_DIR=str(tmp_path), STATS_HTTP_PORT=str(port), WEB_WORKERS="3",
               PROMETHEUS_MULTIPROC_DIR="")
    web = subprocess.Popen([sys.executable, "-m", "services.stats", "web"], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_ok(f"http://127.0.0.1:{port}/healthz", 30, web)
        before = healthz_count(port)
        # New connections each time, so the requests spread over the workers.
        answers = [requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5,
                                headers={"Connection": "close"}) for _ in range(40)]
        assert all(r.status_code == 200 for r in answers)
        assert len({r.headers["X-Request-Id"] for r in answers}) == 40
        # Summed over every worker; one worker's own registry would see only its share.
        assert healthz_count(port) - before == 40
    finally:
        web.send_signal(signal.SIGTERM)
        assert web.wait(30) == 0


def healthz_count(port: int) -> float:
    metrics = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    [count] = re.findall(r'http_requests_total\{method="GET",route="/healthz",'
                         r'service="stats",status="200"\} ([0-9.]+)', metrics)
    return float(count)


def test_make_up_runs_every_service_behind_the_gateway_and_stops_on_ctrl_c(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ports = {name: free_port() for name in SERVICE_PORTS}
    env = dict(os.environ, DATA_DIR=str(tmp_path), LOG_LEVEL="WARNING")
    for name, port in ports.items():
        env[f"{name.upper()}_HTTP_PORT"] = str(port)
        if name != "gateway":
            env[f"{name.upper()}_URL"] = f"http://127.0.0.1:{port}"
    up = subprocess.Popen([sys.executable, "-m", "launcher"], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    gateway = f"http://127.0.0.1:{ports['gateway']}"
    try:
        health = wait_until_ok(f"{gateway}/healthz", 60, up).json()
        assert health["services"] == {name: "ok" for name in SERVICES}
        # A demo unit registered in accounts reached courses over the in-process bus.
        deadline_unit = f"{gateway}/api/courses/units/353301"
        assert wait_until_ok(deadline_unit, 10).json()["name"] == "臺北市立建國高級中學"
        document = requests.get(f"{gateway}/api/openapi.json", timeout=5).json()
        assert "/api/accounts/units" in document["paths"]
        assert (tmp_path / "accounts.sqlite3").exists() and (tmp_path / "courses.sqlite3").exists()
    finally:
        up.send_signal(signal.SIGINT)
        output, _ = up.communicate(timeout=30)
    assert up.returncode == 0, output
    assert f"The platform is up (embedded): {gateway}" in output
    assert "Traceback" not in output
