"""Losing a server is said once, then once a minute, then "back" — and counted
(issue 15, point 4; R-OPS-2). The tracker alone, on a clock the test moves."""
from __future__ import annotations

import logging
import uuid

import psycopg
import pytest
from prometheus_client import REGISTRY
from sqlalchemy.exc import OperationalError as SqlOperationalError

from servicekit import outage
from servicekit.bus.publisher import PublishFailed


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def sample(name: str, service: str, dependency: str) -> float | None:
    return REGISTRY.get_sample_value(name, {"service": service, "dependency": dependency})


def outage_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "servicekit.outage"]


def test_one_warning_at_loss_one_a_minute_then_back(caplog) -> None:
    service, clock = f"svc-{uuid.uuid4().hex[:6]}", Clock()
    tracker = outage.OutageTracker(service, "broker", clock=clock)
    caplog.set_level(logging.INFO, logger="servicekit.outage")
    tracker.ok()
    assert sample("platform_dependency_up", service, "broker") == 1
    assert outage_lines(caplog) == []  # being up is not news

    refused = ConnectionRefusedError(111, "Connection refused")
    for _ in range(31):  # attempts every 4 s, from 0 s to 120 s
        tracker.failed(refused, "retrying every 4 s")
        clock.now += 4
    lines = outage_lines(caplog)
    assert [r.levelname for r in lines] == ["WARNING", "WARNING", "WARNING"]
    assert lines[0].getMessage() == "lost the broker: retrying every 4 s"
    assert lines[0].error == "ConnectionRefusedError: [Errno 111] Connection refused"
    assert lines[0].exc_info is None  # no stack trace
    assert lines[1].getMessage() == "still without the broker after 60 s: retrying every 4 s"
    assert lines[2].getMessage() == "still without the broker after 120 s: retrying every 4 s"
    assert sample("platform_dependency_up", service, "broker") == 0
    assert sample("platform_dependency_outages_total", service, "broker") == 1

    tracker.ok()  # 4 s after the last failed attempt: 124 s after the first
    tracker.ok()
    lines = outage_lines(caplog)
    assert len(lines) == 4 and lines[3].levelname == "INFO"
    assert lines[3].getMessage() == "the broker is back after 124.0 s"
    assert sample("platform_dependency_up", service, "broker") == 1
    assert sample("platform_dependency_down_seconds_total", service, "broker") == 124
    assert sample("platform_dependency_outages_total", service, "broker") == 1

    tracker.failed(refused, "retrying every 4 s")  # a second outage is a second count
    assert sample("platform_dependency_outages_total", service, "broker") == 2
    assert outage_lines(caplog)[-1].getMessage() == "lost the broker: retrying every 4 s"


def test_the_trackers_of_a_process_are_one_per_service_and_dependency() -> None:
    outage.forget_all()
    assert outage.tracker("accounts", "broker") is outage.tracker("accounts", "broker")
    assert outage.tracker("accounts", "broker") is not outage.tracker("courses", "broker")
    assert outage.tracker("accounts", "broker") is not outage.tracker("accounts", "database")


def _psycopg_error(message: str, sqlstate: str | None) -> psycopg.Error:
    error = psycopg.OperationalError(message)
    if sqlstate is not None:
        error = type("E", (psycopg.errors.lookup(sqlstate),), {})(message)
    return error


@pytest.mark.parametrize("error, dependency", [
    (PublishFailed("connection closed"), "broker"),
    (__import__("pika").exceptions.StreamLostError("Transport indicated EOF"), "broker"),
    (__import__("pika").exceptions.AMQPConnectionError("refused"), "broker"),
    (__import__("kombu").exceptions.OperationalError("[Errno 111] Connection refused"), "broker"),
    (SqlOperationalError("SELECT 1", {}, psycopg.OperationalError("connection refused")), "database"),
    (SqlOperationalError("SELECT 1", {}, _psycopg_error("terminating connection due to "
                                                        "administrator command", "57P01")), "database"),
    (SqlOperationalError("SELECT 1", {}, _psycopg_error("the database system is starting up",
                                                        "57P03")), "database"),
    # Errors of a healthy server are not outages: a deadlock, a timeout, a bug.
    (SqlOperationalError("UPDATE", {}, _psycopg_error("deadlock detected", "40P01")), None),
    (SqlOperationalError("SELECT", {}, _psycopg_error("canceling statement", "57014")), None),
    (ValueError("a bug"), None),
    (ConnectionRefusedError(111, "refused"), None),  # whose? not said outside a bus loop
])
def test_what_counts_as_losing_a_server(error, dependency) -> None:
    assert outage.dependency_of(error) == dependency


def test_in_a_bus_loop_a_bare_socket_error_is_the_broker() -> None:
    assert outage.dependency_of(ConnectionResetError(104, "reset"), sockets_are_the_broker=True) == "broker"
    assert outage.dependency_of(ValueError("x"), sockets_are_the_broker=True) is None
