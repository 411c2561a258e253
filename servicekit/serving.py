"""Process entry points shared by every service: ``web`` (gunicorn), and the helpers the
``relay`` and ``consumer`` commands use to expose metrics and stop cleanly."""
from __future__ import annotations

import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable

import requests

from servicekit.settings import Settings


def exec_gunicorn(app_spec: str, settings: Settings) -> None:
    """Replace this process with gunicorn serving ``app_spec`` (``module:create_app()``).

    Multiprocess metrics need ``PROMETHEUS_MULTIPROC_DIR`` set before prometheus-client
    is imported and emptied at each start, hence exec into a fresh interpreter."""
    metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or str(
        settings.data_dir / "metrics" / settings.service)
    shutil.rmtree(metrics_dir, ignore_errors=True)
    os.makedirs(metrics_dir, exist_ok=True)
    env = dict(os.environ, PROMETHEUS_MULTIPROC_DIR=metrics_dir,
               HTTP_HOST=settings.http_host, HTTP_PORT=str(settings.http_port))
    argv = [sys.executable, "-m", "gunicorn", "--config", "python:servicekit.gunicorn_config",
            app_spec]
    os.execve(sys.executable, argv, env)


def stop_event_on_signals() -> threading.Event:
    """SIGTERM (Kubernetes, compose) and SIGINT (Ctrl-C) end a worker loop cleanly."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def start_metrics_server(settings: Settings) -> None:
    if settings.metrics_port:
        from prometheus_client import start_http_server
        start_http_server(settings.metrics_port, addr=settings.http_host)


def wait_until_answering(url: str, timeout: float,
                         check: Callable[[], None] = lambda: None) -> requests.Response:
    """Poll ``url`` until it answers 200; ``check`` raises when the process that should
    answer has died, so a crash is reported at once rather than as a time-out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        check()
        try:
            response = requests.get(url, timeout=1)
            if response.status_code == 200:
                return response
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer 200 within {timeout}s")
