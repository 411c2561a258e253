"""The rights of each service's broker user (issue 8, point 7; R-SSO-4), written out by
hand: servicekit.bus.access is the one place they come from, so what it derives is
checked here against names that must and must not match. RabbitMQ applies them as
regular expressions (PCRE); Python's ``re`` reads these the same way."""
from __future__ import annotations

import re

import pytest

from servicekit.bus import access, setup
from servicekit.events import Envelope, ForgedEvent, check_producer


def matches(pattern: str, name: str) -> bool:
    return re.search(pattern, name) is not None


def test_courses_rights_are_written_out() -> None:
    rights = access.grant("courses")
    assert rights.configure == r"^courses\."
    assert rights.write == r"^(courses\..*|platform\.events|platform\.dead-letter)$"
    assert rights.read == r"^(courses\..*|platform\.events|platform\.dead-letter)$"
    assert rights.topics == (access.TopicGrant("platform.events", write=r"^courses\.", read=".*"),)


@pytest.mark.parametrize("name, configure, write", [
    ("courses.events", True, True),                 # its queue
    ("courses.events.dead-letter", True, True),     # its dead letters
    ("courses.replay", True, True),                 # its replay exchange
    ("platform.events", False, True),               # publish to, bind from; never redeclare
    ("platform.dead-letter", False, True),          # park messages; never redeclare
    ("platform.unrouted", False, False),
    ("amq.default", False, False),                  # the default exchange reaches every queue
    ("accounts.events", False, False),
    ("sso.replay", False, False),
    ("coursesx.events", False, False),
    ("xcourses.events", False, False),
])
def test_a_service_configures_only_its_own_names(name, configure, write) -> None:
    rights = access.grant("courses")
    assert matches(rights.configure, name) is configure
    assert matches(rights.write, name) is write
    assert matches(rights.read, name) is write


@pytest.mark.parametrize("routing_key, allowed", [
    ("courses.course.closed.v1", True),
    ("accounts.role.granted.v1", False),
    ("sso.session.ended.v1", False),
    ("coursesx.course.closed.v1", False),
    ("courses", False),
])
def test_a_service_publishes_only_its_own_event_types(routing_key, allowed) -> None:
    [topic] = access.grant("courses").topics
    assert matches(topic.write, routing_key) is allowed


def test_the_operator_and_the_management_api_get_the_same_rights() -> None:
    assert access.rabbitmqctl_commands("sso", "sso", "/") == [
        ["set_permissions", "-p", "/", "sso", r"^sso\.",
         r"^(sso\..*|platform\.events|platform\.dead-letter)$",
         r"^(sso\..*|platform\.events|platform\.dead-letter)$"],
        ["set_topic_permissions", "-p", "/", "sso", "platform.events", r"^sso\.", ".*"]]
    assert setup.management_requests(["sso"], {"sso": "pw"}, "/", "p-") == [
        ("PUT", "/api/users/p-sso", {"password": "pw", "tags": ""}),
        ("PUT", "/api/permissions/%2F/p-sso",
         {"configure": r"^sso\.", "write": r"^(sso\..*|platform\.events|platform\.dead-letter)$",
          "read": r"^(sso\..*|platform\.events|platform\.dead-letter)$"}),
        ("PUT", "/api/topic-permissions/%2F/p-sso",
         {"exchange": "platform.events", "write": r"^sso\.", "read": ".*"})]
    assert setup.service_url("amqp://guest:guest@rabbitmq:5672/%2F", "p-sso", "a/b") == \
        "amqp://p-sso:a%2Fb@rabbitmq:5672/%2F"


def test_the_source_must_be_the_types_producer() -> None:
    genuine = Envelope(type="accounts.role.granted.v1", source="accounts", correlation_id="c", data={})
    check_producer(genuine)
    with pytest.raises(ForgedEvent, match=r"^forged: accounts\.role\.granted\.v1 is produced by "
                                          r"'accounts', the envelope names 'courses'$"):
        check_producer(Envelope(type="accounts.role.granted.v1", source="courses",
                                correlation_id="c", data={}))


@pytest.mark.parametrize("user_id, headers, verdict", [
    ("p-accounts", {}, None),                                    # published by accounts
    ("p-stats", {}, "'p-stats'"),                                # by another service
    (None, {}, "None"),                                          # nobody vouched for
    ("p-stats", {access.PUBLISHED_BY: "p-accounts"}, "'p-stats'"),  # a header is no proof
    ("p-courses", {access.PUBLISHED_BY: "p-accounts"}, None),    # courses' own replay
    ("p-courses", {access.PUBLISHED_BY: ""}, "None"),            # replay of an unvouched one
])
def test_the_broker_must_vouch_for_the_producer(user_id, headers, verdict) -> None:
    publishers = access.Publishers.for_connection("courses", "amqp://p-courses:x@h/")
    assert publishers == access.Publishers(prefix="p-", own_user="p-courses")
    if verdict is None:
        publishers.check("accounts.unit.registered.v1", user_id, headers)
        return
    with pytest.raises(ForgedEvent) as forged:
        publishers.check("accounts.unit.registered.v1", user_id, headers)
    assert str(forged.value) == ("forged: accounts.unit.registered.v1 must be published by "
                                 f"broker user 'p-accounts', was published by {verdict}")


def test_a_shared_user_cannot_tell_services_apart_so_only_the_source_is_checked() -> None:
    for url in ("amqp://guest:guest@h/", "memory://"):
        publishers = access.Publishers.for_connection("courses", url)
        assert publishers.prefix is None
        publishers.check("accounts.unit.registered.v1", "p-stats", {})  # no verdict


@pytest.mark.integration  # an HTTP server on loopback
def test_compose_broker_setup_sends_the_rights_to_the_management_api(monkeypatch) -> None:
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    received: list[tuple[str, str, str, dict]] = []

    class Management(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append(("PUT", self.path, self.headers["Authorization"], body))
            self.send_response(201)
            self.end_headers()

        def log_message(self, *_args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Management)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        monkeypatch.setenv("RABBITMQ_USER", "admin")
        monkeypatch.setenv("RABBITMQ_PASSWORD", "secret")
        for service in ("courses", "accounts", "sso", "transfer", "stats"):
            monkeypatch.setenv(f"{service.upper()}_BROKER_PASSWORD", f"pw-{service}")
        assert setup.main(["users", "--management-url", f"http://127.0.0.1:{server.server_port}"]) == 0
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
    assert len(received) == 15  # a user, its permissions, its topic permission: five times
    assert {auth for _, _, auth, _ in received} == {"Basic YWRtaW46c2VjcmV0"}  # admin:secret
    assert ("PUT", "/api/users/accounts", "Basic YWRtaW46c2VjcmV0",
            {"password": "pw-accounts", "tags": ""}) in received
    assert ("PUT", "/api/topic-permissions/%2F/accounts", "Basic YWRtaW46c2VjcmV0",
            {"exchange": "platform.events", "write": r"^accounts\.", "read": ".*"}) in received
