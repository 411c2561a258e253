"""Quiet logs during an outage (issue 15, point 4; R-OPS-2, R-OPS-3): a relay and a
consumer that lose RabbitMQ or PostgreSQL each log one warning saying how often they
retry, no stack trace, one line when it is back; the metrics count one outage and the
time without the server; every accepted write is published and applied after.

The outage is real but private: each process reaches the shared server through a TCP
proxy the test cuts (new connections refused, open ones broken) and restores."""
from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from prometheus_client import REGISTRY

from servicekit import outage
from servicekit.settings import Settings
from servicekit.testing.processes import free_port
from servicekit.testing.proxy import CuttableProxy, proxied
from servicekit.testing.tokens import TokenSigner
from servicekit.tokens import StaticKeySource, TokenVerifier
from services.accounts.app import create_app as create_accounts

from .conftest import Platform, wait_for
from .test_walking_skeleton import register

# Services as processes on PostgreSQL and RabbitMQ.
pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.rabbitmq]

RECONNECT_SECONDS = "0.5"
OUTAGE_SECONDS = 5  # ten attempts at least: the old loops logged a stack trace for each


def through(proxy: CuttableProxy, url: str) -> str:
    parts = urlsplit(url)
    credentials = parts.netloc.rsplit("@", 1)[0]
    return parts._replace(netloc=f"{credentials}@127.0.0.1:{proxy.port}").geturl()


def port_of(url: str) -> int:
    return urlsplit(url).port or {"amqp": 5672, "postgresql": 5432}[urlsplit(url).scheme]


def start(platform: Platform, service: str, command: str, **env: str) -> tuple[object, int]:
    metrics_port = free_port()
    platform.env[service].update(env, RECONNECT_SECONDS=RECONNECT_SECONDS,
                                 METRICS_PORT=str(metrics_port))
    return platform.start(service, command), metrics_port


def metric(port: int, name: str, dependency: str) -> float:
    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    for line in text.splitlines():
        if line.startswith(name + "{") and f'dependency="{dependency}"' in line:
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no {name} for {dependency} in:\n{text}")


def log_of(platform: Platform, service: str, command: str) -> tuple[str, list[dict]]:
    [path] = [p for p in platform.logs.iterdir() if p.name.startswith(f"{service}-{command}-")]
    text = Path(path).read_text()
    records = []
    for line in text.splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            pass  # not ours: nothing else may print, see the Traceback check
    return text, records


def assert_one_quiet_outage(text: str, records: list[dict], dependency: str) -> None:
    assert "Traceback" not in text, text
    assert [r for r in records if r["level"] in ("ERROR", "CRITICAL")] == [], text
    warnings = [r for r in records if r["level"] == "WARNING"]
    assert [w["message"] for w in warnings] == [
        f"lost the {dependency}: retrying at least every {RECONNECT_SECONDS} s"], text
    assert warnings[0]["dependency"] == dependency and warnings[0]["error"]
    back = [r for r in records if r["message"] == f"the {dependency} is back after "
            f"{r.get('down_s', 0):.1f} s"]
    assert len(back) == 1 and back[0]["level"] == "INFO" and back[0]["down_s"] > 0, text


def test_a_broker_outage_is_one_warning_and_loses_nothing(platform: Platform) -> None:
    broker = platform.broker_url
    with proxied("127.0.0.1", port_of(broker)) as proxy:
        relay, relay_metrics = start(platform, "accounts", "relay",
                                     BROKER_URL=through(proxy, platform.env["accounts"]["BROKER_URL"]))
        consumer, consumer_metrics = start(platform, "courses", "consumer",
                                           BROKER_URL=through(proxy, platform.env["courses"]["BROKER_URL"]))
        register(platform, 5, "A")
        wait_for(lambda: platform.replicated() == 5, 30, "5 units before the outage", platform)

        proxy.cut()
        register(platform, 5, "B")  # accepted while the broker is away
        time.sleep(OUTAGE_SECONDS)
        assert platform.unsent() == 5
        assert metric(relay_metrics, "platform_dependency_up", "broker") == 0
        proxy.restore()

        wait_for(lambda: platform.replicated() == 10, 60, "10 units after the outage", platform)
        # The relay marks a row sent when the broker confirms it, which may come after the
        # consumer has already applied the event: waited for, not raced.
        wait_for(lambda: platform.unsent() == 0, 30, "the outbox drained", platform)
        assert platform.applied() == 10
        for port in (relay_metrics, consumer_metrics):
            assert metric(port, "platform_dependency_outages_total", "broker") == 1
            assert metric(port, "platform_dependency_up", "broker") == 1
            assert metric(port, "platform_dependency_down_seconds_total", "broker") > 0
        # The consumer lost its connection when the proxy was cut: nearly all the outage.
        assert metric(consumer_metrics, "platform_dependency_down_seconds_total", "broker") > 3
        platform.stop(relay)
        platform.stop(consumer)
    for service, command in (("accounts", "relay"), ("courses", "consumer")):
        assert_one_quiet_outage(*log_of(platform, service, command), "broker")


def test_a_database_outage_is_one_warning_and_loses_nothing(platform: Platform) -> None:
    """The consumer's database goes first while events keep coming (each batch it takes
    and cannot keep goes back, and counts a delivery: the queue dead-letters at 3), then
    the relay's while writes are accepted elsewhere; both come back."""
    accounts_db = platform.env["accounts"]["DATABASE_URL"]
    courses_db = platform.env["courses"]["DATABASE_URL"]
    with proxied("127.0.0.1", port_of(accounts_db)) as accounts_proxy, \
            proxied("127.0.0.1", port_of(courses_db)) as courses_proxy:
        relay, relay_metrics = start(platform, "accounts", "relay",
                                     DATABASE_URL=through(accounts_proxy, accounts_db))
        consumer, consumer_metrics = start(platform, "courses", "consumer",
                                           DATABASE_URL=through(courses_proxy, courses_db))
        register(platform, 5, "A")
        wait_for(lambda: platform.replicated() == 5, 30, "5 units before the outage", platform)

        courses_proxy.cut()
        register(platform, 5, "B")
        wait_for(lambda: platform.unsent() == 0, 30, "B published while courses' database is away")
        time.sleep(OUTAGE_SECONDS)
        accounts_proxy.cut()
        register(platform, 5, "C")  # accepted by the accounts database itself
        time.sleep(OUTAGE_SECONDS / 2)
        assert platform.unsent() == 5
        accounts_proxy.restore()
        courses_proxy.restore()

        wait_for(lambda: platform.replicated() == 15, 60, "15 units after the outage", platform)
        wait_for(lambda: platform.unsent() == 0, 30, "the outbox drained", platform)
        assert platform.applied() == 15
        for port in (relay_metrics, consumer_metrics):
            assert metric(port, "platform_dependency_outages_total", "database") == 1
            assert metric(port, "platform_dependency_up", "database") == 1
            assert metric(port, "platform_dependency_down_seconds_total", "database") > 1
        platform.stop(relay)
        platform.stop(consumer)
    for service, command in (("accounts", "relay"), ("courses", "consumer")):
        assert_one_quiet_outage(*log_of(platform, service, command), "database")


@pytest.fixture
def accounts_behind_a_proxy(make_database, tmp_path):
    from servicekit.cli import migrate

    url = make_database("accounts")
    signer = TokenSigner()
    with proxied("127.0.0.1", port_of(url)) as proxy:
        app = create_accounts(Settings.from_env("accounts", {
            "DATA_DIR": str(tmp_path), "DATABASE_URL": through(proxy, url)}))
        migrate(app.extensions["runtime"])
        settings = app.config["SETTINGS"]
        app.extensions["token_verifier"] = TokenVerifier(
            settings.token_issuer, settings.token_audience, StaticKeySource(signer.jwks))
        yield app, proxy, signer
        app.extensions["runtime"].database.dispose()


def test_a_web_process_answers_503_and_logs_once_while_its_database_is_down(
        accounts_behind_a_proxy, caplog) -> None:
    app, proxy, signer = accounts_behind_a_proxy
    outage.forget_all()
    labels = {"service": "accounts", "dependency": "database"}
    outages_before = REGISTRY.get_sample_value("platform_dependency_outages_total", labels) or 0
    client: Flask = app.test_client()
    operator = {"Authorization": f"Bearer {signer.sign(subject='op-1', roles=['operator'])}"}

    def unit(code: str) -> dict[str, str]:
        return {"code": code, "name": "建國中學", "unit_type": "senior_high_school",
                "authority_code": "TPE"}

    assert client.post("/units", json=unit("W0"), headers=operator).status_code == 201
    caplog.set_level(logging.INFO)
    proxy.cut()
    for n in range(1, 6):
        down = client.post("/units", json=unit(f"W{n}"), headers=operator)
        assert down.status_code == 503 and down.mimetype == "application/problem+json"
        assert down.json["type"] == "urn:inservice:problem:dependency-unavailable"
        assert down.headers["Retry-After"] == "5"
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json["checks"]["database"].startswith("unavailable")
    proxy.restore()
    assert client.post("/units", json=unit("W9"), headers=operator).status_code == 201

    lines = [r for r in caplog.records if r.name == "servicekit.outage"]
    assert [(r.levelname, r.getMessage().split(" after ")[0]) for r in lines] == [
        ("WARNING", "lost the database: answering 503 dependency-unavailable until it is back"),
        ("INFO", "the database is back")]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert REGISTRY.get_sample_value("platform_dependency_outages_total", labels) == outages_before + 1
    assert REGISTRY.get_sample_value("platform_dependency_up", labels) == 1
