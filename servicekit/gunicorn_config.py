"""gunicorn settings for every web process (``python -m <service> web``).

Read by gunicorn as ``--config python:servicekit.gunicorn_config``; values come from
the environment the ``web`` command prepared (servicekit.serving)."""
import os
from typing import Any

from prometheus_client import multiprocess

from servicekit.orphans import die_with

bind = f"{os.environ.get('HTTP_HOST', '127.0.0.1')}:{os.environ['HTTP_PORT']}"
workers = int(os.environ.get("WEB_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
accesslog = None  # the app logs each request as JSON, with its request id
# Several masters share a host (and k8s mounts the root read-only): no control socket.
control_socket_disable = True
preload_app = False  # engines and connections are built in each worker, after the fork


# Gunicorn's hook signatures; gunicorn ships no types.
def child_exit(server: Any, worker: Any) -> None:
    multiprocess.mark_process_dead(worker.pid)


def post_fork(server: Any, worker: Any) -> None:
    # A worker ends with its master, even one killed with SIGKILL: else it keeps the
    # port, serving with nobody to stop or replace it.
    die_with(server.pid)
