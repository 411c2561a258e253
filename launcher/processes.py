"""Each service as its own processes on the real broker and databases, as in production."""
from __future__ import annotations

import logging
import subprocess
import sys
from dataclasses import dataclass, field

from sqlalchemy.engine import make_url

from launcher import web_gateway
from launcher.broker import service_environments, without_broker_urls
from launcher.registry import DEFINITIONS
from launcher.service_clients import SERVICE_CLIENTS, client_secret
from launcher.supervisor import Supervisor
from servicekit.db import normalise_url
from servicekit.service import Runtime
from servicekit.serving import wait_until_answering
from servicekit.settings import REPO_ROOT, Settings

log = logging.getLogger("launcher")


def ensure_database(url: str) -> None:
    """A developer convenience for ``make up`` on a local server: create the service's
    database if it is not there. Production databases come from their operator."""
    import psycopg

    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "postgresql":
        return
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(False)
    with psycopg.connect(admin, autocommit=True, connect_timeout=3) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                    (parsed.database,)).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{parsed.database}"')


@dataclass
class ProcessPlatform:
    """Every process of every service, supervised (launcher/supervisor.py): one that
    ends after the start is restarted; one that ends while starting stops the start."""
    environ: dict[str, str]
    supervisor: Supervisor = field(default_factory=Supervisor)
    demo_data: bool = False  # DEMO_DATA=1 (launcher/demo.py)

    def start(self) -> str:
        # Each service on its own broker user (launcher/broker.py).
        environments = service_environments(self.environ, [d.name for d in DEFINITIONS])
        for definition in DEFINITIONS:
            environ = environments[definition.name]
            ensure_database(Settings.from_env(definition.name, environ).database_url)
            self._run_once(definition.name, "migrate", environ)
        # The services' own clients at sso (launcher/service_clients.py), before any of
        # them asks for a token: the secret goes on standard input.
        for service in SERVICE_CLIENTS:
            secret = client_secret(service, environments[service])
            if secret is not None:
                self._run_once("sso", "register-service-client", environments["sso"],
                               service, stdin=secret + "\n")
        for definition in DEFINITIONS:
            environ = environments[definition.name]
            commands = ["web", "relay"]
            runtime = Runtime(definition, Settings.from_env(definition.name, environ))
            if runtime.subscriptions():  # no process for a service with nothing to read
                commands.append("consumer")
            for command in commands:
                self._spawn(f"{definition.name}-{command}",
                            ["-m", f"services.{definition.name}", command], environ)
        without_broker = without_broker_urls(self.environ, [d.name for d in DEFINITIONS])
        self._spawn("gateway-web", ["-m", "gateway", "web"], without_broker)
        # The web client: no database, no broker; it calls the API through a gateway of
        # its own, never through the one whose threads its pages hold (web_gateway.py).
        for_web = web_gateway.gateway_environment(without_broker)
        self._spawn("gateway-for-web-web", ["-m", "gateway", "web"], for_web)
        self._spawn("web-web", ["-m", "web", "web"],
                    web_gateway.web_client_environment(without_broker))
        gateway = Settings.from_env("gateway", self.environ)
        for name, environ in [*((d.name, self.environ) for d in DEFINITIONS),
                              ("gateway", self.environ), ("gateway", for_web),
                              ("web", self.environ)]:
            settings = Settings.from_env(name, environ)
            wait_until_answering(f"http://{settings.http_host}:{settings.http_port}/healthz",
                                 90, self._raise_if_exited)
        if self.demo_data:
            self._seed_demo(environments)
        return f"http://{gateway.http_host}:{gateway.http_port}"

    def _seed_demo(self, environments: dict[str, dict[str, str]]) -> None:
        """Each service's own seed, as the embedded default runs it, once every process
        is up: accounts first, whose events the others' seeds wait for (sso sets the demo
        passwords as the accounts reach its replica). Idempotent: a second start adds
        nothing."""
        for definition in DEFINITIONS:
            if definition.seed_demo is not None:
                log.info("seeding demo data", extra={"service": definition.name})
                self._run_once(definition.name, "seed-demo", environments[definition.name])

    def _run_once(self, service: str, command: str, environ: dict[str, str], *args: str,
                  stdin: str | None = None) -> None:
        subprocess.run([sys.executable, "-m", f"services.{service}", command, *args],
                       cwd=REPO_ROOT, env=environ, check=True, input=stdin,
                       text=stdin is not None)

    def _spawn(self, name: str, args: list[str], environ: dict[str, str]) -> None:
        heartbeat = None
        if args[-1] in ("relay", "consumer"):  # their loops beat (servicekit/heartbeat.py)
            heartbeat = Settings.from_env("gateway", self.environ).data_dir / "heartbeats" / name
            environ = {**environ, "HEARTBEAT_FILE": str(heartbeat)}
        self.supervisor.start(name, [sys.executable, *args], environ, REPO_ROOT, heartbeat)

    def _raise_if_exited(self) -> None:
        # A process that cannot start is a setting or a server to fix, not to retry.
        if ended := self.supervisor.ended():
            raise RuntimeError(f"processes ended while starting: {ended}")

    def supervise(self) -> None:
        self.supervisor.supervise()

    def shutdown(self) -> None:
        # Ctrl-C must be done within 20 s: 15 s of grace, then SIGKILL.
        self.supervisor.stop(grace=15.0)
