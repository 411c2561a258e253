"""A PostgreSQL cluster of a scenario's own, on a free port under a temporary folder: a
scenario may stop and restart it, which it must never do to the server the machine shares.
It is removed however the run ends. ``initdb`` and ``pg_ctl``, as the ``postgres`` user
when run as root. (A RabbitMQ node of one's own is the kit's, for tests and benchmarks
alike: ``servicekit.testing.broker_node.RabbitNode``.)
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from servicekit.testing.broker_node import NodeUnavailable, installed_tool
from servicekit.testing.processes import free_port

SHARED_PORTS = {5672, 5432}


class ServerUnavailable(RuntimeError):
    """This machine cannot run a server of the scenario's own (the reason says why)."""


def _tool(name: str, *places: str) -> str:
    try:
        return installed_tool(name, *places)
    except NodeUnavailable as missing:
        raise ServerUnavailable(str(missing)) from None


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
