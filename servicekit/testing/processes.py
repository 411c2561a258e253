"""Helpers for tests and benchmarks that start real processes on loopback."""
from __future__ import annotations

import socket
import subprocess
from typing import Any

import requests

from servicekit.serving import wait_until_answering


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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

    parents: dict[int, int] = {}
    commands: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] == "Z":  # ended, not yet reaped: not running any more
            continue
        parents[int(entry.name)] = int(fields[1])
        commands[int(entry.name)] = command
    found: dict[int, str] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, its_parent in parents.items():
            if its_parent == parent and child not in found:
                found[child] = commands[child]
                frontier.append(child)
    return found


def alive(pid: int) -> bool:
    """Running (a zombie, ended but not reaped, counts as gone)."""
    from pathlib import Path

    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


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
    from pathlib import Path

    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z" and int(fields[3]) == session_id:
            members.append(int(entry.name))
    return members
