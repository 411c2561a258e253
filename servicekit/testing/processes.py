"""Helpers for tests and benchmarks that start real processes on loopback."""
from __future__ import annotations

import os
import socket
import subprocess
from typing import Any

import requests

from servicekit.proc import is_running, running_processes
from servicekit.serving import wait_until_answering

# Ports handed out below the kernel's ephemeral range (32768 and up on Linux), so an
# outgoing connection never takes one between the hand-out and the server's bind; each
# test process (pytest-xdist's gw0, gw1…, or a plain run) draws from a block of its own,
# so two processes running side by side never get the same port.
_FIRST_PORT, _BLOCK = 20000, 1000
_BLOCKS = 12
_cursor: dict[str, int] = {}


def _block_start() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    index = int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else None
    slot = index if index is not None and index < _BLOCKS - 4 else _BLOCKS - 4 + os.getpid() % 4
    return _FIRST_PORT + slot * _BLOCK


def free_port() -> int:
    """A loopback port nobody listens on, not handed out before by this process."""
    start = _block_start()
    for _ in range(_BLOCK):
        offset = _cursor.get("next", 0)
        _cursor["next"] = (offset + 1) % _BLOCK
        port = start + offset
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {start}..{start + _BLOCK - 1}")


def wait_until_ok(url: str, timeout: float,
                  process: subprocess.Popen[Any] | None = None) -> requests.Response:
    def alive() -> None:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"process ended with {process.returncode} before {url} answered")
    return wait_until_answering(url, timeout, alive)


def descendants(pid: int) -> dict[int, str]:
    """Every live process below ``pid`` (children, grandchildren…), with its command
    line, read from /proc (Linux)."""
    from pathlib import Path

    parents = {process.pid: process.parent for process in running_processes()}
    found: dict[int, str] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, its_parent in parents.items():
            if its_parent == parent and child not in found:
                try:
                    command = Path(f"/proc/{child}/cmdline").read_bytes()
                except OSError:  # ended meanwhile
                    continue
                found[child] = command.replace(b"\0", b" ").decode().strip()
                frontier.append(child)
    return found


def alive(pid: int) -> bool:
    """Running (a zombie, ended but not reaped, counts as gone)."""
    return is_running(pid)


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Nobody listens on ``port`` (a connection is refused)."""
    try:
        socket.create_connection((host, port), timeout=0.5).close()
    except OSError:
        return True
    return False


def session_members(session_id: int) -> list[int]:
    """Live processes of a session, wherever they were re-parented (an orphaned
    gunicorn worker no longer descends from the launcher, but stays in its session)."""
    return [process.pid for process in running_processes() if process.session == session_id]
