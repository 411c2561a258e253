"""``make up`` on real servers gives each service its own broker user (issue 8, point 7;
R-OPS-3): made with rabbitmqctl on a local broker, the rights of servicekit.bus.access,
and each service's processes see only their own credentials."""
from __future__ import annotations

import uuid
from urllib.parse import unquote, urlsplit

import pytest
from pika.exceptions import ChannelClosedByBroker

from launcher import broker
from servicekit.settings import SERVICES
from servicekit.testing.broker_node import publish_to_events as publish
from servicekit.testing.servers import rabbitmqctl


def user_of(url: str) -> str:
    return unquote(urlsplit(url).username or "")


@pytest.mark.rabbitmq
def test_each_service_runs_on_its_own_broker_user(rabbitmq_vhost) -> None:
    prefix = f"t-{uuid.uuid4().hex[:6]}-"
    environ = {"BROKER_URL": rabbitmq_vhost, "BROKER_USER_PREFIX": prefix, "MODE": "production"}
    try:
        environments = broker.service_environments(environ, SERVICES, rabbitmqctl)
        for name in SERVICES:
            env = environments[name]
            assert user_of(env["BROKER_URL"]) == f"{prefix}{name}"
            assert urlsplit(env["BROKER_URL"]).path == urlsplit(rabbitmq_vhost).path
            # Nobody else's credentials, nor the administrator's.
            assert [key for key, value in env.items() if "BROKER_URL" in key] == ["BROKER_URL"]
            assert env["MODE"] == "production"
        publish(environments["courses"]["BROKER_URL"], "courses.course.closed.v1")
        with pytest.raises(ChannelClosedByBroker) as refused:
            publish(environments["courses"]["BROKER_URL"], "accounts.role.granted.v1")
        assert refused.value.reply_code == 403  # ACCESS_REFUSED
    finally:
        for name in SERVICES:
            try:
                rabbitmqctl("delete_user", f"{prefix}{name}")
            except Exception:
                pass


def test_without_rabbitmqctl_the_operator_must_give_every_services_url(monkeypatch) -> None:
    monkeypatch.setattr(broker.shutil, "which", lambda _name: None)
    environ = {"BROKER_URL": "amqp://guest:guest@127.0.0.1:1/", "SSO_BROKER_URL": "amqp://sso:x@h/"}
    with pytest.raises(broker.BrokerUsersMissing) as missing:
        broker.service_environments(environ, ["accounts", "sso", "stats"])
    assert "set ACCOUNTS_BROKER_URL, STATS_BROKER_URL" in str(missing.value)
    assert "python -m servicekit.bus.setup rabbitmqctl" in str(missing.value)


def test_the_gateway_gets_no_broker_credentials() -> None:
    environ = {"BROKER_URL": "amqp://a:b@h/", "SSO_BROKER_URL": "amqp://c:d@h/", "MODE": "production"}
    assert broker.without_broker_urls(environ, SERVICES) == {"MODE": "production"}
