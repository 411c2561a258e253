from __future__ import annotations

import os
import signal
import sys
import threading

from launcher.demo import DemoDataRefused, asked_for, wants_demo_data
from launcher.embedded import EmbeddedPlatform
from launcher.processes import ProcessPlatform
from servicekit.logs import configure_logging
from servicekit.settings import Settings


def main() -> int:
    environ = dict(os.environ)
    try:
        asked_for(environ)
    except DemoDataRefused as refused:
        print(f"make up: {refused}", file=sys.stderr)
        return 2
    settings = Settings.from_env("courses", environ)
    real_servers = settings.amqp
    if real_servers:  # the supervisor's lines, as JSON like every process's
        configure_logging("launcher", settings.log_level)
    demo_data = wants_demo_data(environ, real_servers)
    platform = (ProcessPlatform(environ, demo_data=demo_data) if real_servers
                else EmbeddedPlatform(environ, seed=demo_data))
    stopping = threading.Event()
    started = threading.Event()

    def on_signal(*_: object) -> None:
        if not started.is_set():  # while starting: leave start() and stop what began
            raise KeyboardInterrupt
        stopping.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, on_signal)
    try:
        url = platform.start()
        started.set()
        mode = "services as processes on the real broker" if real_servers else "embedded"
        print(f"\n  The platform is up ({mode}): {url}\n  API document: {url}/api/openapi.json"
              f"\n  Ctrl-C stops it.\n", flush=True)
        while not stopping.wait(0.5):
            if isinstance(platform, ProcessPlatform):
                platform.supervise()  # restarts what ended (launcher/supervisor.py)
    except KeyboardInterrupt:
        started.set()  # a second Ctrl-C while stopping does not cut the stop short
        return 130
    finally:
        started.set()
        print("stopping…", flush=True)
        platform.shutdown()
    return 0
