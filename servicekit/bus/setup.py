"""The broker setup: what an administrator of the broker does once per platform, before
the services' ``migrate`` — declare the shared exchanges and give each service its own
user with the rights of ``servicekit.bus.access``.

    python -m servicekit.bus.setup declare-shared
        BROKER_URL: an administrator's URL (may configure ``platform.*``)
    python -m servicekit.bus.setup users --management-url http://rabbitmq:15672
        RABBITMQ_USER, RABBITMQ_PASSWORD: the administrator (HTTP management API);
        <SERVICE>_BROKER_PASSWORD for each service; BROKER_VHOST (default "/");
        BROKER_USER_PREFIX (default empty)
    python -m servicekit.bus.setup rabbitmqctl [--vhost /] [--prefix P]
        prints the rabbitmqctl commands that do the same (passwords as placeholders)

On Kubernetes the messaging-topology-operator makes the users from the manifests in
``deploy/k8s/base/broker-access.yaml``; ``declare-shared`` runs there as a Job.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import shlex
import subprocess
import sys
import urllib.request
from typing import Callable, Iterable, Mapping
from urllib.parse import quote

from servicekit.bus import access
from servicekit.bus.transport import Transport
from servicekit.settings import SERVICES

Rabbitmqctl = Callable[..., object]


def declare_shared(admin_url: str) -> None:
    transport = Transport(admin_url)
    try:
        transport.declare_exchanges()
    finally:
        transport.close()


def grant_with_rabbitmqctl(rabbitmqctl: Rabbitmqctl, service: str, user: str, password: str,
                           vhost: str) -> None:
    """Make (or re-key) the service's user and set its rights, through ``rabbitmqctl``
    (a callable that runs it with the given arguments and raises on failure)."""
    try:
        rabbitmqctl("add_user", user, password)
    except subprocess.CalledProcessError:  # there already: give it this password
        rabbitmqctl("change_password", user, password)
    for command in access.rabbitmqctl_commands(service, user, vhost):
        rabbitmqctl(*command)


def service_url(admin_url: str, user: str, password: str) -> str:
    """The admin's AMQP URL (host, port, vhost) with the service's credentials."""
    scheme, rest = admin_url.split("://", 1)
    location = rest.rsplit("@", 1)[-1]
    return f"{scheme}://{quote(user, safe='')}:{quote(password, safe='')}@{location}"


def management_requests(services: Iterable[str], passwords: Mapping[str, str], vhost: str,
                        prefix: str) -> list[tuple[str, str, dict]]:
    """(method, path, body) of the HTTP management API calls that make every user."""
    calls = []
    quoted_vhost = quote(vhost, safe="")
    for service in services:
        user = access.user_name(service, prefix)
        rights = access.grant(service)
        quoted_user = quote(user, safe="")
        calls.append(("PUT", f"/api/users/{quoted_user}",
                      {"password": passwords[service], "tags": ""}))
        calls.append(("PUT", f"/api/permissions/{quoted_vhost}/{quoted_user}",
                      {"configure": rights.configure, "write": rights.write, "read": rights.read}))
        for topic in rights.topics:
            calls.append(("PUT", f"/api/topic-permissions/{quoted_vhost}/{quoted_user}",
                          {"exchange": topic.exchange, "write": topic.write, "read": topic.read}))
    return calls


def _send(base_url: str, admin: str, admin_password: str,
          calls: list[tuple[str, str, dict]]) -> None:
    token = base64.b64encode(f"{admin}:{admin_password}".encode()).decode()
    for method, path, body in calls:
        request = urllib.request.Request(
            base_url.rstrip("/") + path, data=json.dumps(body).encode(), method=method,
            headers={"Authorization": f"Basic {token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10):
            pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m servicekit.bus.setup")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("declare-shared")
    users = commands.add_parser("users")
    users.add_argument("--management-url", required=True)
    printed = commands.add_parser("rabbitmqctl")
    printed.add_argument("--vhost", default="/")
    printed.add_argument("--prefix", default="")
    args = parser.parse_args(argv)
    env = os.environ
    if args.command == "declare-shared":
        declare_shared(env["BROKER_URL"])
    elif args.command == "users":
        passwords = {service: env[f"{service.upper()}_BROKER_PASSWORD"] for service in SERVICES}
        calls = management_requests(SERVICES, passwords, env.get("BROKER_VHOST", "/"),
                                    env.get("BROKER_USER_PREFIX", ""))
        _send(args.management_url, env["RABBITMQ_USER"], env["RABBITMQ_PASSWORD"], calls)
    else:
        for service in SERVICES:
            user = access.user_name(service, args.prefix)
            print(shlex.join(["rabbitmqctl", "add_user", user, f"<{service} password>"]))
            for command in access.rabbitmqctl_commands(service, user, args.vhost):
                print(shlex.join(["rabbitmqctl", *command]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
