"""pytest fixtures for tests that need the real servers: one PostgreSQL database per test
(or per name), one RabbitMQ vhost per test, all named for this run and removed after, and
a RabbitMQ node of the test's own for a test that stops its broker.

Missing servers skip those tests with the reason — unless
``PLATFORM_TEST_REQUIRE_SERVERS=1`` (CI sets it), when the same tests fail instead.
Load with ``pytest_plugins = ["servicekit.testing.servers"]``.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest

from servicekit.testing.broker_node import NodeUnavailable, RabbitNode, ServiceUsers

RUN_ID = uuid.uuid4().hex[:8]
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL",
                                    "postgresql://postgres@127.0.0.1:5432/postgres")
RABBITMQ_URL = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")


def servers_required() -> bool:
    return os.environ.get("PLATFORM_TEST_REQUIRE_SERVERS") == "1"


def unavailable(what: str, why: str) -> None:
    message = f"{what} not reachable ({why})"
    if servers_required():
        pytest.fail(f"{message}; PLATFORM_TEST_REQUIRE_SERVERS=1 demands it", pytrace=False)
    pytest.skip(f"{message}; set TEST_POSTGRES_URL / TEST_RABBITMQ_URL or start it")


def _reachable(url: str, default_port: int) -> str | None:
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port),
                                 timeout=1).close()
    except OSError as error:
        return str(error)
    return None


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Callable[[str], None]]:
    """Runs one statement as the admin, outside a transaction (CREATE/DROP DATABASE)."""
    problem = _reachable(POSTGRES_ADMIN_URL, 5432)
    if problem:
        unavailable("PostgreSQL", problem)
    import psycopg

    def execute(statement: str) -> None:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(statement)
    yield execute


@pytest.fixture
def make_database(postgres_admin: Callable[[str], None]) -> Iterator[Callable[[str], str]]:
    """``make_database("accounts")`` → URL of a new, empty database, dropped after the test."""
    created: list[str] = []

    def make(name: str) -> str:
        database = f"t_{RUN_ID}_{uuid.uuid4().hex[:6]}_{name}"
        postgres_admin(f'CREATE DATABASE "{database}"')
        created.append(database)
        parts = urlsplit(POSTGRES_ADMIN_URL)
        return parts._replace(path=f"/{database}").geturl()

    yield make
    for database in created:
        postgres_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


# What would stop, wipe or cut off the whole shared broker, which other runs are using:
# a test that needs that does it to a node of its own (``rabbitmq_node``).
WHOLE_BROKER_COMMANDS = {"stop_app", "stop", "shutdown", "reset", "force_reset",
                         "close_all_connections", "close_all_user_connections"}


class SharedBrokerCommandRefused(AssertionError):
    pass


def rabbitmqctl(*args: str) -> str:
    """``rabbitmqctl`` on the machine's shared broker, refusing what would stop it."""
    if refused := WHOLE_BROKER_COMMANDS.intersection(args):
        raise SharedBrokerCommandRefused(
            f"rabbitmqctl {min(refused)} on the shared broker would break other work: "
            "use the rabbitmq_node fixture (a node of the test's own)")
    return subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True,
                          text=True, timeout=60).stdout


@pytest.fixture
def rabbitmq_vhost() -> Iterator[str]:
    """AMQP URL of a new vhost, deleted after the test."""
    problem = _reachable(RABBITMQ_URL, 5672)
    if problem:
        unavailable("RabbitMQ", problem)
    if shutil.which("rabbitmqctl") is None:
        unavailable("RabbitMQ", "rabbitmqctl is not on PATH, so no test vhost can be made")
    vhost = f"test-{RUN_ID}-{uuid.uuid4().hex[:6]}"
    user = urlsplit(RABBITMQ_URL).username or "guest"
    rabbitmqctl("add_vhost", vhost)
    rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")
    try:
        yield urlsplit(RABBITMQ_URL)._replace(path=f"/{vhost}").geturl()
    finally:
        rabbitmqctl("delete_vhost", vhost)


@pytest.fixture
def broker_users(rabbitmq_vhost: str) -> Iterator[Callable[[str], str]]:
    """``broker_users("courses")`` → AMQP URL of that service's own user in the test vhost,
    as production has them: the shared exchanges declared by the administrator, the rights
    of ``servicekit.bus.access``. The users (named for this test: users are not per vhost)
    are deleted after."""
    users = ServiceUsers(rabbitmq_vhost, rabbitmqctl, prefix=f"t-{RUN_ID}-{uuid.uuid4().hex[:6]}-")
    try:
        yield users
    finally:
        users.delete()


@pytest.fixture
def rabbitmq_node() -> Iterator[RabbitNode]:
    """A started RabbitMQ node of this test's own (``servicekit.testing.broker_node``), for a
    test that stops the broker: never the shared one, which other work is using. Its
    ``admin_url`` is the default vhost's administrator; ``users()`` makes services' own
    users there. Stopped and removed after the test."""
    if shutil.which("rabbitmqctl") is None:
        unavailable("RabbitMQ", "rabbitmqctl is not on PATH, so no node of the test's own")
    try:
        node = RabbitNode()
    except NodeUnavailable as error:
        unavailable("a RabbitMQ node of the test's own", str(error))
    try:
        node.start()
    except (NodeUnavailable, subprocess.SubprocessError, OSError) as error:
        node.close()
        unavailable("a RabbitMQ node of the test's own", str(error))
    try:
        yield node
    finally:
        node.close()
