"""Helpers for tests and benchmarks that start real processes on loopback."""
from __future__ import annotations

import socket

import requests

from servicekit.serving import wait_until_answering


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_ok(url: str, timeout: float, process=None) -> requests.Response:  # type: ignore[no-untyped-def]
    def alive() -> None:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"process ended with {process.returncode} before {url} answered")
    return wait_until_answering(url, timeout, alive)
