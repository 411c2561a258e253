"""A test that stops its broker does it to a RabbitMQ node of its own, never to the
machine's shared one, which other runs are using (the suite runs in parallel, and beside
other work): servicekit.testing.broker_node and the ``rabbitmq_node`` fixture."""
from __future__ import annotations

import subprocess

import pika
import pytest
from pika.exceptions import AMQPConnectionError, ChannelClosedByBroker

from servicekit.testing import servers
from servicekit.testing.broker_node import RabbitNode
from servicekit.testing.broker_node import publish_to_events as publish

ACCESS_REFUSED = 403


def answers(url: str) -> bool:
    try:
        pika.BlockingConnection(pika.URLParameters(url)).close()
    except AMQPConnectionError:
        return False
    return True


@pytest.mark.parametrize("command", [("stop_app",), ("stop",), ("reset",), ("force_reset",),
                                     ("close_all_connections", "why")])
def test_the_shared_broker_is_never_stopped_by_a_test(monkeypatch, command) -> None:  # type: ignore[no-untyped-def]
    ran: list[list[str]] = []

    def run(argv, **_):  # type: ignore[no-untyped-def]
        ran.append(argv)
        return subprocess.CompletedProcess(argv, 0, stdout="")
    monkeypatch.setattr(servers.subprocess, "run", run)
    with pytest.raises(servers.SharedBrokerCommandRefused, match="rabbitmq_node"):
        servers.rabbitmqctl(*command)
    assert ran == []  # refused before anything ran
    servers.rabbitmqctl("list_vhosts")
    assert ran == [["rabbitmqctl", "-q", "list_vhosts"]]


@pytest.mark.rabbitmq
def test_a_node_of_the_tests_own_stops_and_starts_while_the_shared_one_serves(
        rabbitmq_node: RabbitNode, rabbitmq_vhost: str) -> None:
    node = rabbitmq_node
    assert node.port != 5672 and node.node.startswith("test-")
    courses = node.users("t-")("courses")  # the services' own users, as on the shared broker
    publish(courses, "courses.course.closed.v1")
    with pytest.raises(ChannelClosedByBroker) as refused:
        publish(courses, "accounts.role.granted.v1")
    assert refused.value.reply_code == ACCESS_REFUSED

    node.stop_app()
    assert not answers(node.admin_url)
    assert answers(rabbitmq_vhost)  # the shared broker never noticed
    node.start_app()
    publish(courses, "courses.course.closed.v1")  # users and rights kept across the restart


@pytest.mark.rabbitmq
def test_a_closed_node_leaves_no_process_and_no_folder() -> None:
    node = RabbitNode()
    try:
        node.start()
        pid = node._pid()
        assert pid is not None
    finally:
        node.close()
    assert not node.folder.exists()
    assert subprocess.run(["ps", "-p", str(pid)], check=False, capture_output=True).returncode == 1
