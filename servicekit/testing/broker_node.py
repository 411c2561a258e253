"""A RabbitMQ node of one's own, for a test or a benchmark that stops and starts its broker:
doing that to the machine's shared node would break every other run using it.

The node runs beside the shared one on the same host: its own node name, AMQP and
distribution ports (free ones), Erlang cookie, configuration, plugins file and data, all
under one temporary folder that ``close`` removes. It registers with the host's epmd (it
starts one if none runs; epmd outlives it, as it outlives every node). Needs the
``rabbitmq-server`` package (Debian's 3.10 is what this is tested with); run as root it
stays root, since the packaged wrapper's switch to the ``rabbitmq`` user would hand the
node a HOME (and cookie) of the shared node's.

    node = RabbitNode()
    node.start()                        # returns once the node serves
    users = node.users()                # users("courses") → that service's AMQP URL
    node.stop_app(); node.start_app()   # the broker goes away and comes back
    node.close()                        # stopped, its folder removed
"""
from __future__ import annotations

import glob
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from servicekit.testing.processes import alive, free_port

SHARED_PORTS = {5672, 25672, 15672}
# The scripts themselves, not Debian's wrappers in /usr/sbin (those `su rabbitmq` when
# run as root, with the shared node's HOME and cookie).
SCRIPT_PLACES = ("/usr/lib/rabbitmq/bin/{name}", "/usr/lib/rabbitmq/lib/rabbitmq_server-*/sbin/{name}")


class NodeUnavailable(RuntimeError):
    """This machine cannot run a RabbitMQ node of its own (the reason says why)."""


def installed_tool(name: str, *patterns: str) -> str:
    """The newest match of ``patterns`` (globs), else ``name`` on the PATH; raises
    NodeUnavailable when neither is there. Also used for PostgreSQL's tools by bench."""
    for pattern in patterns:
        found = sorted(glob.glob(pattern))
        if found:
            return found[-1]
    path = shutil.which(name)
    if path is None:
        raise NodeUnavailable(f"{name} is not installed here")
    return path


def _script(name: str) -> str:
    return installed_tool(name, *(pattern.format(name=name) for pattern in SCRIPT_PLACES))


def publish_to_events(url: str, routing_key: str, body: bytes = b"{}") -> None:
    """One message to ``platform.events`` with publisher confirms, as whoever ``url``
    signs in as: the broker refuses what that user may not publish."""
    import pika

    from servicekit.bus import topology

    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish(topology.EVENTS_EXCHANGE, routing_key, body)
    finally:
        connection.close()


class RabbitNode:
    def __init__(self, name_prefix: str = "test") -> None:
        self.folder = Path(tempfile.mkdtemp(prefix=f"{name_prefix}-rabbitmq-"))
        self.port = free_port()
        self.dist_port = free_port()
        while self.dist_port == self.port:
            self.dist_port = free_port()
        self.node = f"{name_prefix}-{secrets.token_hex(4)}@localhost"
        self._server, self._ctl = _script("rabbitmq-server"), _script("rabbitmqctl")
        cookie = self.folder / ".erlang.cookie"  # Erlang wants it private to its owner
        cookie.write_text(secrets.token_hex(20))
        cookie.chmod(0o400)
        (self.folder / "rabbitmq.conf").write_text(
            f"listeners.tcp.local = 127.0.0.1:{self.port}\n"
            "loopback_users.guest = true\n")
        (self.folder / "enabled_plugins").write_text("[].\n")  # no management listener
        (self.folder / "rabbitmq-env.conf").write_text("")  # not /etc/rabbitmq's NODENAME
        self._env = {
            **os.environ,
            "HOME": str(self.folder),  # the cookie above, for the node and rabbitmqctl
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_CONF_ENV_FILE": str(self.folder / "rabbitmq-env.conf"),
            "RABBITMQ_CONFIG_FILE": str(self.folder / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.folder / "advanced.config"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.folder / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(self.folder / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.folder / "log"),
            "RABBITMQ_PID_FILE": str(self.folder / "node.pid"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            # Loopback only, and no busy-waiting schedulers: the machine is shared.
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS":
                "-kernel inet_dist_use_interface {127,0,0,1} "
                "+sbwt none +sbwtdcpu none +sbwtdio none",
        }

    @property
    def admin_url(self) -> str:
        """The default user (``guest``, loopback only) in the default vhost."""
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def start(self, timeout: float = 120) -> None:
        """Start the node; returns once it serves AMQP."""
        if {self.port, self.dist_port} & SHARED_PORTS:
            raise NodeUnavailable(f"free ports {self.port}/{self.dist_port} are the shared node's")
        # Output to a file, never a pipe: the detached node would hold a pipe open forever.
        with open(self.folder / "start.log", "wb") as log:
            subprocess.run([self._server, "-detached"], env=self._env, check=True, timeout=60,
                           cwd=self.folder, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        deadline = time.monotonic() + timeout
        while True:  # the node registers with epmd a moment after -detached returns
            try:
                self.ctl("await_startup", "--timeout", "30")
                return
            except subprocess.CalledProcessError as error:
                if time.monotonic() > deadline:
                    raise NodeUnavailable(f"the node {self.node} did not start: "
                                          f"{error.stderr or error.stdout}\n{self.log_tail()}") from None
                time.sleep(1)

    def ctl(self, *args: str) -> str:
        """``rabbitmqctl`` against this node only (``-n``), never the machine's own."""
        return subprocess.run([self._ctl, "-q", "-n", self.node, *args], env=self._env,
                              cwd=self.folder, check=True, capture_output=True, text=True,
                              timeout=90).stdout

    def stop_app(self) -> None:
        """The broker stops: connections cut, the port closed; the Erlang node stays."""
        self.ctl("stop_app")

    def start_app(self) -> None:
        """The broker starts again; returns once it serves."""
        self.ctl("start_app")
        self.ctl("await_startup")

    def users(self, prefix: str = "") -> ServiceUsers:
        """Each service's own user on this node, as production has them."""
        return ServiceUsers(self.admin_url, self.ctl, prefix)

    def log_tail(self, characters: int = 3000) -> str:
        texts = [path.read_text(errors="replace")[-characters:]
                 for path in sorted(self.folder.glob("log/*.log")) + [self.folder / "start.log"]
                 if path.exists()]
        return "\n".join(texts)

    def close(self) -> None:
        """Stop the node (killing it if it does not stop) and remove its folder."""
        pid = self._pid()
        try:  # with the pid file, stop returns only once the Erlang process has ended
            self.ctl("stop", *([str(self.folder / "node.pid")] if pid is not None else []))
        except (subprocess.SubprocessError, OSError):
            pass
        if pid is not None and alive(pid):  # ours, by its own pid file: end it
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            deadline = time.monotonic() + 10
            while alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
        shutil.rmtree(self.folder, ignore_errors=True)

    def _pid(self) -> int | None:
        try:
            return int((self.folder / "node.pid").read_text().strip())
        except (OSError, ValueError):
            return None


@dataclass
class ServiceUsers:
    """``users("courses")`` → the AMQP URL of that service's own broker user in the vhost of
    ``admin_url``, with the rights of ``servicekit.bus.access``, the shared exchanges
    declared first by the administrator (``servicekit.bus.setup``), as production has it.
    ``ctl`` runs ``rabbitmqctl`` on the right node; users are named ``<prefix><service>``."""
    admin_url: str
    ctl: Callable[..., object]
    prefix: str = ""
    made: dict[str, str] = field(default_factory=dict)

    def __call__(self, service: str) -> str:
        from urllib.parse import unquote, urlsplit

        from servicekit.bus import access, setup

        if service not in self.made:
            if not self.made:
                setup.declare_shared(self.admin_url)
            vhost = unquote(urlsplit(self.admin_url).path.lstrip("/")) or "/"
            user, password = access.user_name(service, self.prefix), uuid.uuid4().hex
            setup.grant_with_rabbitmqctl(self.ctl, service, user, password, vhost)
            self.made[service] = setup.service_url(self.admin_url, user, password)
        return self.made[service]

    def delete(self) -> None:
        from servicekit.bus import access

        for service in self.made:
            self.ctl("delete_user", access.user_name(service, self.prefix))
        self.made.clear()
