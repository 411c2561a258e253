"""Scenario ``recovery``: how long the platform takes to serve again after a 15-second
broker outage and after a PostgreSQL restart, and that no accepted write is lost.

The platform runs as production runs it — accounts web (gunicorn) and relay, courses
consumer, the gateway — on a RabbitMQ node and a PostgreSQL cluster of the scenario's own
(``servicekit.testing.broker_node``, ``bench/throwaway.py``): stopping the machine's
shared servers would break everyone else's work. A writer registers units through the gateway without pause
(``POST /api/accounts/units`` with an operator token; each unit is an event courses
replicates) while the scenario

1. stops the broker's application (``rabbitmqctl stop_app``: connections cut, the port
   closed) for 15 s, then starts it again;
2. restarts PostgreSQL (``pg_ctl restart -m fast``: every connection cut).

Figures, each from the server's return (``start_app`` or ``pg_ctl`` returned): the first
write through the gateway answered 2xx; the first unit written after the return that
courses has replicated (events flowing again); every unit accepted before the return
replicated (backlog drained). Then every write answered 2xx must be in the accounts
database and replicated by courses. Each process's log is counted too: WARNING and
ERROR lines and stack traces over the whole run (servicekit.outage: one line per loss).

``python -m bench recovery`` (``make bench-recovery``).
"""
from __future__ import annotations

import http.server
import json
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
import requests

from bench.processes import Command
from bench.results import load_average, write_result
from bench.throwaway import ThrowawayPostgres
from launcher.processes import ensure_database
from servicekit.bus import access, setup
from servicekit.serving import wait_until_answering
from servicekit.testing.broker_node import RabbitNode
from servicekit.testing.processes import free_port
from servicekit.testing.tokens import TokenSigner

BROKER_DOWN_S = 15
WARM_UP_S = 5
STEADY_S = 5  # between the two outages, and after the last
WRITE_PAUSE_S = 0.05
REQUEST_TIMEOUT_S = 10
SETTLE_TIMEOUT_S = 180
STARTUP_TIMEOUT_S = 90
SERVICES = ("accounts", "courses")
UNLIMITED = "1000000000/minute"


@dataclass
class Attempt:
    code: str
    started: float
    finished: float = 0.0
    status: int | None = None  # None: no answer (refused, timed out)

    @property
    def accepted(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class Writer:
    """Registers one unit after another through the gateway until stopped."""
    url: str
    token: str
    attempts: list[Attempt] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="recovery-writer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(REQUEST_TIMEOUT_S + 5)

    def _run(self) -> None:
        session = requests.Session()
        headers = {"Authorization": f"Bearer {self.token}"}
        number = 0
        while not self._stop.is_set():
            number += 1
            attempt = Attempt(code=f"R{number:06d}", started=time.monotonic())
            try:
                response = session.post(self.url, headers=headers, timeout=REQUEST_TIMEOUT_S, json={
                    "code": attempt.code, "name": f"復原測試 {number}",
                    "unit_type": "senior_high_school", "authority_code": "TPE"})
                attempt.status = response.status_code
            except requests.RequestException:
                session = requests.Session()
            attempt.finished = time.monotonic()
            self.attempts.append(attempt)
            self._stop.wait(WRITE_PAUSE_S)

    def accepted(self) -> list[Attempt]:
        return [a for a in list(self.attempts) if a.accepted]


class ReplicaWatch:
    """When each unit first appears in courses' replica (polled; PostgreSQL restarts
    under it, so a failed poll is simply tried again)."""

    def __init__(self, courses_url: str) -> None:
        self.url = courses_url
        self.seen: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="recovery-replica", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            try:
                with psycopg.connect(self.url, connect_timeout=2) as connection:
                    while not self._stop.wait(0.1):
                        now = time.monotonic()
                        for (code,) in connection.execute("SELECT code FROM unit_replica"):
                            self.seen.setdefault(code, now)
            except psycopg.Error:
                continue

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


def serve_jwks(signer: TokenSigner) -> tuple[http.server.ThreadingHTTPServer, str]:
    """The keys the platform's processes verify the writer's token with (the sso
    service's sign-in flow is not what this scenario measures)."""
    body = json.dumps(signer.jwks).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True, name="recovery-jwks").start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/jwks.json"


def run() -> dict[str, Any]:
    load_at_start = load_average()
    cleanups: list[Callable[[], None]] = []
    try:
        return _run(load_at_start, cleanups)
    finally:
        # Also on failure and Ctrl-C; a second Ctrl-C must not leave a server behind.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        for cleanup in reversed(cleanups):
            try:
                cleanup()
            except Exception as error:  # the others must still run
                print(f"recovery: cleaning up: {type(error).__name__}: {error}")
        signal.signal(signal.SIGINT, previous)


def _run(load_at_start: float, cleanups: list[Callable[[], None]]) -> dict[str, Any]:
    rabbit, postgres = RabbitNode(name_prefix="recovery"), ThrowawayPostgres()
    cleanups += [rabbit.close, postgres.close]
    _say(f"starting a RabbitMQ node ({rabbit.node}, port {rabbit.port}) and a PostgreSQL "
         f"cluster (port {postgres.port}) of its own")
    rabbit.start()
    postgres.start()
    gateway_port, accounts_port = free_port(), free_port()
    gateway_url = f"http://127.0.0.1:{gateway_port}"
    signer = TokenSigner(issuer=gateway_url)
    jwks_server, jwks_url = serve_jwks(signer)
    cleanups.append(jwks_server.shutdown)
    data_dir = rabbit.folder / "platform"  # removed with the node's folder
    common = {"DATA_DIR": str(data_dir), "LOG_LEVEL": "INFO", "TOKEN_ISSUER": gateway_url,
              "JWKS_URL": jwks_url, "WEB_WORKERS": "2", "WEB_THREADS": "4"}
    env = {service: {**common, **_service_env(service, rabbit, postgres)} for service in SERVICES}
    env["accounts"]["ACCOUNTS_HTTP_PORT"] = str(accounts_port)
    env["courses"]["COURSES_HTTP_PORT"] = str(free_port())  # not started; kept off 8101
    gateway_env = {**common, "GATEWAY_HTTP_PORT": str(gateway_port),
                   "GATEWAY_ACCOUNTS_URL": f"http://127.0.0.1:{accounts_port}",
                   "GATEWAY_RATE_LIMIT_AUTHENTICATED": UNLIMITED,
                   "GATEWAY_RATE_LIMIT_ANONYMOUS": UNLIMITED}
    for service in SERVICES:
        _once(["-m", f"services.{service}", "migrate"], env[service])
    processes = {
        "accounts-web": Command(["-m", "services.accounts", "web"], env["accounts"]),
        "accounts-relay": Command(["-m", "services.accounts", "relay"], env["accounts"]),
        "courses-consumer": Command(["-m", "services.courses", "consumer"], env["courses"]),
        "gateway-web": Command(["-m", "gateway", "web"], gateway_env),
    }
    cleanups += [process.stop for process in processes.values()]

    def check_alive() -> None:
        for process in processes.values():
            process.check_alive()

    wait_until_answering(f"http://127.0.0.1:{accounts_port}/readyz", STARTUP_TIMEOUT_S, check_alive)
    wait_until_answering(f"{gateway_url}/readyz", STARTUP_TIMEOUT_S, check_alive)
    token = signer.sign(subject="recovery-bench", roles=["operator"], expires_in=3600)
    writer = Writer(f"{gateway_url}/api/accounts/units", token)
    watch = ReplicaWatch(postgres.url(_database("courses")))
    cleanups += [writer.stop, watch.stop]
    writer.start()
    _say("platform up; writing through the gateway")
    time.sleep(WARM_UP_S)
    _settle(writer, watch, check_alive)

    _say(f"broker down for {BROKER_DOWN_S} s")
    began = time.monotonic()
    rabbit.stop_app()
    time.sleep(max(0.0, began + BROKER_DOWN_S - time.monotonic()))
    rabbit.start_app()
    broker = _phase(writer, watch, began, time.monotonic(), check_alive)
    time.sleep(STEADY_S)

    _say("PostgreSQL restart")
    began = time.monotonic()
    postgres.restart()
    database = _phase(writer, watch, began, time.monotonic(), check_alive)
    time.sleep(STEADY_S)
    writer.stop()
    _say("checking every accepted write")
    drained = _settle(writer, watch, check_alive)
    accepted = {a.code for a in writer.accepted()}
    in_accounts = _codes(postgres.url(_database("accounts")), "units")
    in_courses = _codes(postgres.url(_database("courses")), "unit_replica")
    logs = {name: _log_counts(process.output(last_chars=50_000_000))
            for name, process in processes.items()}
    check_alive()
    attempts = writer.attempts
    figures = {
        "figure": "broker_first_write_s",
        "broker_first_write_s": broker["first_write_s"],
        "database_first_write_s": database["first_write_s"],
        "broker_outage": broker, "database_restart": database,
        "writes": {"attempted": len(attempts), "accepted": len(accepted),
                   "refused": sum(1 for a in attempts if a.status is not None and not a.accepted),
                   "unanswered": sum(1 for a in attempts if a.status is None),
                   "statuses": _statuses(attempts)},
        "accepted_missing_in_accounts": len(accepted - in_accounts),
        "accepted_missing_in_courses": len(accepted - in_courses),
        "all_replicated_after_s": drained,
        "logs": logs,
        "baseline": "none: times are from the server's return",
        "goal": "no accepted write lost; serving again within the reconnect interval",
        "goal_met": not (accepted - in_accounts) and not (accepted - in_courses),
    }
    parameters = {"broker_down_s": BROKER_DOWN_S, "database": "pg_ctl restart -m fast",
                  "write_pause_s": WRITE_PAUSE_S, "reconnect_seconds": "default (2)",
                  "processes": list(processes), "web_workers": 2, "web_threads": 4,
                  "servers": "a RabbitMQ node and a PostgreSQL cluster of the scenario's own"}
    result = write_result("recovery", figures, parameters, load_at_start)
    _print(result)
    return result


def _database(service: str) -> str:
    return f"recovery_{service}"


def _say(text: str) -> None:
    print(f"recovery: {text}", flush=True)


def _service_env(service: str, rabbit: RabbitNode, postgres: ThrowawayPostgres) -> dict[str, str]:
    """Prefixed names, so nothing in the caller's environment points a process at the
    shared servers instead."""
    prefix = service.upper()
    if service == "accounts":
        setup.declare_shared(rabbit.admin_url)
    user, password = access.user_name(service, "recovery-"), os.urandom(12).hex()
    setup.grant_with_rabbitmqctl(rabbit.ctl, service, user, password, "/")
    database = postgres.url(_database(service))
    ensure_database(database)
    return {f"{prefix}_DATABASE_URL": database,
            f"{prefix}_BROKER_URL": setup.service_url(rabbit.admin_url, user, password)}


def _once(args: list[str], env: dict[str, str]) -> None:
    command = Command(args, env)
    try:
        if command.process.wait(STARTUP_TIMEOUT_S) != 0:
            raise RuntimeError(f"{' '.join(args)} failed:\n{command.output()}")
    finally:
        command.stop()


def _phase(writer: Writer, watch: ReplicaWatch, began: float, back: float,
           check_alive: Callable[[], None]) -> dict[str, Any]:
    """Figures of one outage, from ``back``, the server's return."""
    deadline = back + SETTLE_TIMEOUT_S
    first_write = first_event = None
    while time.monotonic() < deadline and (first_write is None or first_event is None):
        check_alive()
        after = [a for a in writer.accepted() if a.started >= back]
        if after:
            first_write = after[0].finished - back
            replicated = [watch.seen[a.code] for a in after if a.code in watch.seen]
            if replicated:
                first_event = min(replicated) - back
        time.sleep(0.05)
    during = [a for a in list(writer.attempts) if began <= a.started < back]
    before = [a.code for a in writer.accepted() if a.started < back]
    while time.monotonic() < deadline and not all(code in watch.seen for code in before):
        time.sleep(0.1)
    backlog = max((watch.seen[c] for c in before if c in watch.seen), default=back) - back
    return {"down_s": round(back - began, 2),
            "first_write_s": None if first_write is None else round(first_write, 2),
            "first_event_replicated_s": None if first_event is None else round(first_event, 2),
            "backlog_replicated_s": round(max(0.0, backlog), 2),
            "writes_while_down": {"accepted": sum(1 for a in during if a.accepted),
                                  "refused": sum(1 for a in during if a.status is not None
                                                 and not a.accepted),
                                  "unanswered": sum(1 for a in during if a.status is None),
                                  "statuses": _statuses(during)}}


def _statuses(attempts: list[Attempt]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for attempt in attempts:
        key = str(attempt.status) if attempt.status is not None else "none"
        counts[key] = counts.get(key, 0) + 1
    return counts


def _settle(writer: Writer, watch: ReplicaWatch, check_alive: Callable[[], None]) -> float:
    """Seconds until every accepted write so far is replicated."""
    started = time.monotonic()
    codes = [a.code for a in writer.accepted()]
    while not all(code in watch.seen for code in codes):
        check_alive()
        if time.monotonic() - started > SETTLE_TIMEOUT_S:
            break
        time.sleep(0.1)
    return round(time.monotonic() - started, 2)


def _codes(url: str, table: str) -> set[str]:
    with psycopg.connect(url) as connection:
        return {code for (code,) in connection.execute(f"SELECT code FROM {table}")}


def _log_counts(text: str) -> dict[str, int]:
    counts = {"warning": 0, "error": 0, "tracebacks": text.count("Traceback (most recent call last)"),
              "outage_lines": 0}
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if not isinstance(record, dict):
            continue
        level = record.get("level")
        if level == "WARNING":
            counts["warning"] += 1
        elif level in ("ERROR", "CRITICAL"):
            counts["error"] += 1
        if record.get("logger") == "servicekit.outage":
            counts["outage_lines"] += 1
    return counts


def _print(result: dict[str, Any]) -> None:
    broker, database = result["broker_outage"], result["database_restart"]
    writes = result["writes"]
    print(f"recovery: after a {broker['down_s']:.0f} s broker outage, first write "
          f"{broker['first_write_s']} s and first event replicated "
          f"{broker['first_event_replicated_s']} s after its return (backlog in "
          f"{broker['backlog_replicated_s']} s); after a PostgreSQL restart "
          f"({database['down_s']:.1f} s), first write {database['first_write_s']} s, first "
          f"event {database['first_event_replicated_s']} s. {writes['accepted']} writes "
          f"accepted, {result['accepted_missing_in_accounts']} missing in accounts, "
          f"{result['accepted_missing_in_courses']} missing in courses.")
    for name, counts in result["logs"].items():
        print(f"  {name}: {counts['warning']} warnings, {counts['error']} errors, "
              f"{counts['tracebacks']} stack traces, {counts['outage_lines']} outage lines")


if __name__ == "__main__":
    run()
