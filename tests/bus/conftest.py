"""Two real services on real PostgreSQL and RabbitMQ, as separate processes."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pika
import pytest
from sqlalchemy import func, select

from servicekit.bus.tables import inbox, outbox
from servicekit.service import Runtime
from servicekit.settings import Settings
from servicekit.testing.runtimes import migrated
from services.accounts.bootstrap import DEFINITION as ACCOUNTS
from services.courses.adapters.orm import unit_replica
from services.courses.bootstrap import DEFINITION as COURSES

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Platform:
    broker_url: str
    env: dict[str, dict[str, str]]
    accounts: Runtime
    courses: Runtime
    logs: Path
    processes: list[subprocess.Popen] = field(default_factory=list)
    log_files: list = field(default_factory=list)

    def start(self, service: str, command: str, crash_at: str | None = None) -> subprocess.Popen:
        argv = ([sys.executable, str(ROOT / "tests/bus/crash.py"), crash_at, service, command]
                if crash_at else [sys.executable, "-m", f"services.{service}", command])
        log = open(self.logs / f"{service}-{command}-{len(self.processes)}.log", "w")
        self.log_files.append(log)
        process = subprocess.Popen(argv, cwd=ROOT, env=self.env[service], stdout=log,
                                   stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in self.log_files:
            log.close()

    def queue_depth(self, queue: str = "courses.events") -> int:
        """Messages ready in the queue (delivered and unacked ones are not counted: stop the
        consumers first to see those come back)."""
        connection = pika.BlockingConnection(pika.URLParameters(self.broker_url))
        try:
            return connection.channel().queue_declare(queue, passive=True).method.message_count
        finally:
            connection.close()

    def stop(self, process: subprocess.Popen) -> None:
        process.terminate()
        assert process.wait(timeout=15) == 0, self.logs_text()

    def count(self, runtime: Runtime, table, *where) -> int:  # type: ignore[no-untyped-def]
        with runtime.database.engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(table).where(*where))

    def unsent(self) -> int:
        return self.count(self.accounts, outbox, outbox.c.sent_at.is_(None))

    def applied(self) -> int:
        return self.count(self.courses, inbox)

    def replicated(self) -> int:
        return self.count(self.courses, unit_replica)

    def logs_text(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(self.logs.iterdir()))


def wait_for(condition: Callable[[], bool], timeout: float, what: str,
             platform: Platform | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    details = platform.logs_text() if platform else ""
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{details}")


def make_platform(make_database, broker_url: str, users: Callable[[str], str],  # type: ignore[no-untyped-def]
                  tmp_path: Path) -> Platform:
    """Each service on its own broker user (``users(service)`` → its AMQP URL), with
    production's rights; ``broker_url``, the administrator's, is kept for looking at queues."""
    env: dict[str, dict[str, str]] = {}
    runtimes = {}
    for definition in (ACCOUNTS, COURSES):
        service_env = {"MODE": "production", "DATABASE_URL": make_database(definition.name),
                       "TOKEN_ISSUER": "https://inservice.test", "JWKS_URL": "http://127.0.0.1:9/jwks.json",
                       "BROKER_URL": users(definition.name), "LOG_LEVEL": "INFO",
                       "DELIVERY_LIMIT": "3", "RELAY_IDLE_SECONDS": "0.05",
                       "DATA_DIR": str(tmp_path)}
        env[definition.name] = dict(os.environ, **service_env)
        runtime = migrated(Runtime(definition, Settings.from_env(definition.name, service_env)))
        runtimes[definition.name] = runtime
    logs = tmp_path / "logs"
    logs.mkdir()
    return Platform(broker_url, env, runtimes["accounts"], runtimes["courses"], logs)


def close(platform: Platform) -> None:
    platform.stop_all()
    for runtime in (platform.accounts, platform.courses):
        runtime.database.dispose()


@pytest.fixture
def platform(make_database, rabbitmq_vhost, broker_users, tmp_path) -> Iterator[Platform]:  # type: ignore[no-untyped-def]
    """The two services on a vhost of the shared broker."""
    made = make_platform(make_database, rabbitmq_vhost, broker_users, tmp_path)
    yield made
    close(made)


@pytest.fixture
def platform_on_own_node(make_database, rabbitmq_node, tmp_path) -> Iterator[Platform]:  # type: ignore[no-untyped-def]
    """The two services on a RabbitMQ node of the test's own (``rabbitmq_node``), for a
    test that stops the broker."""
    made = make_platform(make_database, rabbitmq_node.admin_url, rabbitmq_node.users(), tmp_path)
    yield made
    close(made)
