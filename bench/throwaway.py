"""A RabbitMQ node and a PostgreSQL cluster of a scenario's own, on free ports under a
temporary folder: a scenario may stop and restart them, which it must never do to the
servers the machine shares. Each is removed however the run ends.

RabbitMQ: a second node on the same host (its own node name, ports, Erlang cookie,
configuration and data), started with ``rabbitmq-server -detached``. PostgreSQL:
``initdb`` and ``pg_ctl``, as the ``postgres`` user when run as root.
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
from pathlib import Path

from servicekit.testing.processes import free_port

SHARED_PORTS = {5672, 5432}


class ServerUnavailable(RuntimeError):
    """This machine cannot run a server of the scenario's own (the reason says why)."""


def _tool(name: str, *places: str) -> str:
    for pattern in places:
        found = sorted(glob.glob(pattern))
        if found:
            return found[-1]
    path = shutil.which(name)
    if path is None:
        raise ServerUnavailable(f"{name} is not installed here")
    return path


class ThrowawayRabbit:
    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="recovery-rabbitmq-"))
        self.port, self.dist_port = free_port(), free_port()
        self.node = f"recovery-{secrets.token_hex(3)}@localhost"
        self._server = _tool("rabbitmq-server", "/usr/lib/rabbitmq/bin/rabbitmq-server")
        self._ctl = _tool("rabbitmqctl", "/usr/lib/rabbitmq/bin/rabbitmqctl")
        (self.folder / "rabbitmq.conf").write_text(
            f"listeners.tcp.local = 127.0.0.1:{self.port}\n")
        (self.folder / "enabled_plugins").write_text("[].\n")
        (self.folder / "rabbitmq-env.conf").write_text("")
        self._env = {
            **os.environ,
            "HOME": str(self.folder),  # its own Erlang cookie, not the shared node's
            "RABBITMQ_NODENAME": self.node, "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_CONF_ENV_FILE": str(self.folder / "rabbitmq-env.conf"),
            "RABBITMQ_CONFIG_FILE": str(self.folder / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.folder / "advanced.config"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.folder / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(self.folder / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.folder / "log"),
            "RABBITMQ_PID_FILE": str(self.folder / "node.pid"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "RABBITMQ_SERVER_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }

    @property
    def admin_url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def start(self, timeout: float = 90) -> None:
        assert self.port not in SHARED_PORTS
        # No pipes: the detached node would hold them open, and run() would wait forever.
        subprocess.run([self._server, "-detached"], env=self._env, check=True, timeout=30,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while True:  # the node registers with epmd a moment after -detached returns
            try:
                self.ctl("await_startup", "--timeout", "30")
                return
            except subprocess.CalledProcessError as error:
                if time.monotonic() > deadline:
                    raise ServerUnavailable(f"the node {self.node} did not start: "
                                            f"{error.stderr or error.stdout}") from None
                time.sleep(1)

    def ctl(self, *args: str) -> str:
        """``rabbitmqctl`` on this node only (``-n``): never the machine's own."""
        return subprocess.run([self._ctl, "-q", "-n", self.node, *args], env=self._env,
                              check=True, capture_output=True, text=True, timeout=60).stdout

    def stop_app(self) -> None:
        self.ctl("stop_app")

    def start_app(self) -> None:
        self.ctl("start_app")
        self.ctl("await_startup")

    def close(self) -> None:
        try:
            self.ctl("stop")
        except (subprocess.SubprocessError, OSError):
            pass
        pid_file = self.folder / "node.pid"
        if pid_file.exists():  # stop did not finish it: it is ours, end it
            try:
                os.kill(int(pid_file.read_text().strip()), signal.SIGKILL)
            except (ValueError, ProcessLookupError, PermissionError):
                pass
        shutil.rmtree(self.folder, ignore_errors=True)


class ThrowawayPostgres:
    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="recovery-postgres-"))
        self.port = free_port()
        self.data = self.folder / "data"
        self._initdb = _tool("initdb", "/usr/lib/postgresql/*/bin/initdb")
        self._pg_ctl = _tool("pg_ctl", "/usr/lib/postgresql/*/bin/pg_ctl")
        self._as_owner: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            if shutil.which("runuser") is None:
                raise ServerUnavailable("running as root without runuser to become postgres")
            shutil.chown(self.folder, "postgres")
            self._as_owner = ["runuser", "-u", "postgres", "--"]

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as_owner, *args], check=True, capture_output=True,
                       timeout=120, cwd=self.folder)

    def start(self) -> None:
        assert self.port not in SHARED_PORTS
        self._run(self._initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        self._pg_ctl_run("start")

    def restart(self) -> None:
        """Stop (fast: open connections are cut) and start again; returns once it serves."""
        self._pg_ctl_run("restart", "-m", "fast")

    def _pg_ctl_run(self, *action: str) -> None:
        self._run(self._pg_ctl, "-D", str(self.data), "-l", str(self.folder / "server.log"), "-w",
                  "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                        f"-c max_connections=200", *action)

    def close(self) -> None:
        try:
            self._run(self._pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except (subprocess.SubprocessError, OSError):
            pass
        shutil.rmtree(self.folder, ignore_errors=True)
