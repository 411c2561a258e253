"""The processes as production runs them: gunicorn with several workers, and `make up`'s
embedded platform (issue: platform foundation, points 1 and 6; R-OPS-2, R-OPS-3), and
`make up` on the real servers, whose processes come back when they die and all stop on
Ctrl-C (issue 15, point 3)."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from servicekit.settings import SERVICE_PORTS, SERVICES, WEB_CLIENT
from servicekit.testing.processes import (
    alive,
    descendants,
    free_port,
    port_is_free,
    session_members,
    wait_until_ok,
)

ROOT = Path(__file__).resolve().parents[2]

# The platform as production runs it: its processes, over HTTP.
pytestmark = pytest.mark.e2e


def test_metrics_count_every_request_across_gunicorn_workers(tmp_path) -> None:
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
        # The figures read at scrape time are served beside the workers' summed ones
        # (issue 13 point 7).
        text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert "# TYPE inservice_queue_messages_ready gauge" in text
    finally:
        web.send_signal(signal.SIGTERM)
        assert web.wait(30) == 0


def healthz_count(port: int) -> float:
    metrics = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    [count] = re.findall(r'http_requests_total\{method="GET",route="/healthz",'
                         r'service="stats",status="200"\} ([0-9.]+)', metrics)
    return float(count)


def test_make_up_runs_every_service_behind_the_gateway_and_stops_on_ctrl_c(tmp_path) -> None:
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
        assert health["services"] == dict.fromkeys((*SERVICES, WEB_CLIENT), "ok")
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


def test_gunicorn_workers_end_with_a_master_killed_by_sigkill(tmp_path) -> None:
    # What a Ctrl-C of `make up` left behind: a gateway worker without its master, still
    # holding port 8080. An idle worker notices its new parent within a second; a busy one
    # (a request waiting on a server) does not look: stopped workers stand for busy ones.
    # Nobody kills the group here: the workers must go by themselves.
    port = free_port()
    env = dict(os.environ, DATA_DIR=str(tmp_path), STATS_HTTP_PORT=str(port), WEB_WORKERS="2",
               PROMETHEUS_MULTIPROC_DIR="")
    master = subprocess.Popen([sys.executable, "-m", "services.stats", "web"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        wait_until_ok(f"http://127.0.0.1:{port}/healthz", 60, master)
        workers = [pid for pid in session_members(master.pid) if pid != master.pid]
        assert len(workers) == 2, workers
        for pid in workers:
            os.kill(pid, signal.SIGSTOP)
        master.kill()
        master.wait(5)
        deadline = time.monotonic() + 5
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [pid for pid in workers if alive(pid)] == [], "workers outlived their master"
        # The kernel may release the listening socket of a dying process a moment after
        # the process is gone (a deferred close): free within a few seconds, by itself.
        while not port_is_free(port) and time.monotonic() < deadline + 5:
            time.sleep(0.05)
        assert port_is_free(port), "the port stayed taken after every worker had ended"
    finally:
        try:
            os.killpg(master.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def read(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


def leads_its_session(pid: int) -> bool:
    try:
        return os.getsid(pid) == pid
    except ProcessLookupError:
        return False


def wait_until(condition, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout}s: {what}\n--- launcher output ---\n"
                         f"{read(log)[-4000:]}")


def the_public_gateway(processes: dict[int, str]) -> int | None:
    """The public gateway's gunicorn master: not the web client's own (GATEWAY_API_ONLY)."""
    public = {}
    for pid, command in processes.items():
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"GATEWAY_API_ONLY=true" not in environ:
            public[pid] = command
    return the_one(public, "gunicorn", "gateway.app")


def the_one(processes: dict[int, str], *words: str) -> int | None:
    """The launcher's child (the leader of its own session) whose command has ``words``."""
    found = [pid for pid, command in processes.items()
             if all(word in command for word in words) and leads_its_session(pid)]
    assert len(found) <= 1, f"{words}: several {found}"
    return found[0] if found else None


def test_make_up_on_real_servers_restarts_what_dies_and_stops_everything_on_ctrl_c(
        tmp_path, make_database, broker_users, rabbitmq_vhost) -> None:
    ports = {name: free_port() for name in SERVICE_PORTS}
    api_port = free_port()  # the web client's own gateway (launcher/web_gateway.py)
    env = dict(os.environ, DATA_DIR=str(tmp_path), LOG_LEVEL="WARNING", WEB_WORKERS="1",
               BROKER_URL=rabbitmq_vhost, GATEWAY_FOR_WEB_PORT=str(api_port))
    for name, port in ports.items():
        env[f"{name.upper()}_HTTP_PORT"] = str(port)
        if name != "gateway":
            env[f"{name.upper()}_URL"] = f"http://127.0.0.1:{port}"
        if name in SERVICES:  # the gateway and the web client keep no database, use no broker
            env[f"{name.upper()}_DATABASE_URL"] = make_database(name)
            env[f"{name.upper()}_BROKER_URL"] = broker_users(name)
    log = tmp_path / "make-up.log"
    with log.open("w") as output:
        up = subprocess.Popen([sys.executable, "-m", "launcher"], cwd=ROOT, env=env,
                              stdout=output, stderr=subprocess.STDOUT)
    gateway = f"http://127.0.0.1:{ports['gateway']}"
    every_session: set[int] = set()
    try:
        wait_until_ok(f"{gateway}/healthz", 240, up)
        wait_until(lambda: "The platform is up (services as processes on the real broker)"
                   in read(log), 30, "the launcher's word that all is up", log)
        # The web client's API calls have a gateway of their own, which serves no page.
        own = f"http://127.0.0.1:{api_port}"
        assert wait_until_ok(f"{own}/healthz", 30, up).json()["services"] == \
            dict.fromkeys(SERVICES, "ok")
        assert requests.get(f"{own}/courses", timeout=5).status_code == 404
        assert requests.get(f"{gateway}/courses", timeout=5).status_code == 200
        [announced] = [line for line in read(log).splitlines() if "The platform is up" in line]
        assert announced.endswith(f"): {gateway}"), "make up names the public gateway alone"
        children = descendants(up.pid)
        every_session.update(pid for pid in children if leads_its_session(pid))

        # kill -9 a relay: it comes back, and the launcher says which and why.
        relay = the_one(children, "services.accounts", "relay")
        assert relay, children
        os.kill(relay, signal.SIGKILL)
        wait_until(lambda: "process accounts-relay ended (signal SIGKILL); restarting in 1s"
                   in read(log), 15, "the relay's end logged", log)
        new_relay = wait_until(lambda: the_one(descendants(up.pid), "services.accounts", "relay"),
                               15, "a new relay", log)
        assert new_relay != relay
        every_session.add(new_relay)

        # SIGKILL the gateway's gunicorn master, its worker busy (stopped): the worker
        # goes, the port is free for the restarted gateway, which serves again.
        master = the_public_gateway(children)
        assert master, children
        [worker] = [pid for pid in session_members(master) if pid != master]
        os.kill(worker, signal.SIGSTOP)
        os.kill(master, signal.SIGKILL)
        wait_until(lambda: not alive(worker), 10, "the orphaned gateway worker's end", log)
        wait_until(lambda: "process gateway-web ended (signal SIGKILL); restarting in 1s"
                   in read(log), 15, "the gateway's end logged", log)
        new_master = wait_until(lambda: the_public_gateway(descendants(up.pid)),
                                15, "a new gateway master", log)
        assert new_master != master
        every_session.add(new_master)
        assert wait_until_ok(f"{gateway}/healthz", 60, up).json()["services"] == \
            dict.fromkeys((*SERVICES, WEB_CLIENT), "ok")

        # Ctrl-C: the launcher and every child and grandchild gone within 20 s.
        everything = {*descendants(up.pid), *(pid for session in every_session
                                              for pid in session_members(session))}
        began = time.monotonic()
        up.send_signal(signal.SIGINT)
        assert up.wait(25) == 0
        wait_until(lambda: not any(alive(pid) for pid in everything),
                   max(0.5, 20 - (time.monotonic() - began)), "every process's end", log)
        assert time.monotonic() - began < 20
        assert all(port_is_free(port) for port in ports.values())
        assert "Traceback" not in read(log)
    finally:
        if up.poll() is None:
            up.kill()
            up.wait()
        for session in every_session:
            try:
                os.killpg(session, signal.SIGKILL)
            except ProcessLookupError:
                pass
