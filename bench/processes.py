"""Running the platform's own commands (``python -m services.<name> relay`` …) as separate
OS processes, the way they run in production, and stopping them the way Kubernetes does."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


class ProcessFailed(RuntimeError):
    pass


class Command:
    """One started command; its output goes to a file, shown only if it fails."""

    def __init__(self, args: list[str], env: Mapping[str, str]) -> None:
        self.args = args
        self._log = tempfile.NamedTemporaryFile(prefix="bench-", suffix=".log", delete=False)
        self.process = subprocess.Popen(
            [sys.executable, *args], cwd=REPO_ROOT, env={**_base_env(), **env},
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise ProcessFailed(f"{' '.join(self.args)} exited with {self.process.returncode}:\n"
                                f"{self.output()}")

    def output(self, last_chars: int = 4000) -> str:
        return Path(self._log.name).read_text(errors="replace")[-last_chars:]

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM to the command's own process group (gunicorn's workers with it), then
        SIGKILL if it does not end in time."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()
        os.unlink(self._log.name)


@contextmanager
def running(args: list[str], env: Mapping[str, str]) -> Iterator[Command]:
    command = Command(args, env)
    try:
        yield command
    finally:
        command.stop()


def wait_answering(checks: list[tuple[str, Command]], timeout: float) -> None:
    """Each URL answers before the run goes on; a server that died or never answered
    stops it with what that server printed."""
    from servicekit.serving import wait_until_answering

    for url, server in checks:
        try:
            wait_until_answering(url, timeout, server.check_alive)
        except TimeoutError as error:
            raise TimeoutError(f"{error}:\n{server.output()}") from None


def _base_env() -> dict[str, str]:
    # The commands import the repository's packages from its root, as ``python -m`` does.
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return env
