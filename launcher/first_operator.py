"""The first operator, in one command on this machine (``make up``'s platform, embedded or
on real servers): ``python -m launcher.first_operator LOGIN --name … --email …
[--by WHO] [--another]``.

It runs the documented commands in turn, as separate processes with this environment:
the sso service registers the platform's web client for ``TOKEN_ISSUER`` (once) and the
transfer service's own client with its ``TRANSFER_SERVICE_CLIENT_SECRET`` (when this
environment holds it; launcher/service_clients.py), the
accounts service makes the account (its events leave through the outbox), then the sso
service waits for the account to reach its replica and prints the one-time
password link. The two services share nothing but events; so does this. On the embedded
default the databases are migrated first (a no-op when ``make up`` already did), and the
link needs the platform running: the accounts relay and the sso consumer run inside it.
Compose and Kubernetes run the same two commands (docs/operations.md)."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys

from launcher.service_clients import SERVICE_CLIENTS, client_secret
from servicekit.settings import REPO_ROOT, Settings


def _run(service: str, *args: str, stdin: str | None = None) -> int:
    return subprocess.run([sys.executable, "-m", f"services.{service}", *args], cwd=REPO_ROOT,
                          env=dict(os.environ), check=False, input=stdin,
                          text=stdin is not None).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m launcher.first_operator")
    parser.add_argument("login")
    parser.add_argument("--name", required=True)
    parser.add_argument("--email", required=True)
    parser.add_argument("--by")
    parser.add_argument("--another", action="store_true")
    parser.add_argument("--wait", default="60")
    args = parser.parse_args(argv)
    who = ["--by", args.by] if args.by else []
    if not Settings.from_env("accounts").amqp:
        for service in ("accounts", "sso"):
            subprocess.run([sys.executable, "-m", f"services.{service}", "migrate"],
                           cwd=REPO_ROOT, env={**os.environ, "LOG_LEVEL": "WARNING"},
                           check=True, stdout=subprocess.DEVNULL)
    # The web client the operator signs in through (a no-op once it is registered).
    web_client = _run("sso", "register-web-client")
    if web_client != 0:
        return web_client
    for service in SERVICE_CLIENTS:
        secret = client_secret(service, os.environ)
        if secret is None:
            print(f"{service.upper()}_SERVICE_CLIENT_SECRET is not set here: register the "
                  f"{service} service's client with python -m services.sso "
                  f"register-service-client {service} (the secret on standard input)",
                  file=sys.stderr)
        elif (registered := _run("sso", "register-service-client", service,
                                 stdin=secret + "\n")) != 0:
            return registered
    made = _run("accounts", "create-operator", args.login, "--name", args.name,
                "--email", args.email, *who, *(["--another"] if args.another else []))
    if made != 0:
        return made
    linked = _run("sso", "operator-setup-link", args.login, "--wait", args.wait, *who)
    if linked != 0:
        print(f"\nThe account {args.login} is made; its link is not. Once the platform runs "
              f"(make up), get it with:\n  python -m services.sso operator-setup-link "
              f"{args.login}", file=sys.stderr)
    return linked


if __name__ == "__main__":
    sys.exit(main())
