"""Throw-away PostgreSQL databases and RabbitMQ vhosts, named with a random suffix so
runs never meet each other or anyone's data, and removed however the run ends."""
from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL",
                                    "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP_HOST = os.environ.get("BENCH_AMQP_HOST", "127.0.0.1:5672")


def suffix() -> str:
    return secrets.token_hex(4)


def database_url(name: str) -> str:
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def broker_url(vhost: str) -> str:
    return f"amqp://guest:guest@{AMQP_HOST}/{vhost}"


@contextmanager
def databases(*names: str) -> Iterator[dict[str, str]]:
    """Creates the databases and yields name → URL; drops them even if the run failed."""
    created: list[str] = []
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            for name in names:
                admin.execute(f'CREATE DATABASE "{name}"')
                created.append(name)
        yield {name: database_url(name) for name in names}
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            for name in created:
                # FORCE: a process we started may still hold a connection.
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def vhost(name: str) -> Iterator[str]:
    """Creates the vhost for guest and yields its broker URL; deletes it afterwards."""
    _rabbitmqctl("add_vhost", name)
    try:
        _rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
        yield broker_url(name)
    finally:
        _rabbitmqctl("delete_vhost", name)


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "--quiet", *args], check=True, capture_output=True,
                   timeout=60)
