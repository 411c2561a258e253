from __future__ import annotations

import os
import signal
import sys
import threading

from launcher.demo import DemoDataRefused, asked_for, wants_demo_data
from launcher.embedded import EmbeddedPlatform
from launcher.processes import ProcessPlatform
from servicekit.settings import Settings


def main() -> int:
    environ = dict(os.environ)
    try:
        asked_for(environ)
    except DemoDataRefused as refused:
        print(f"make up: {refused}", file=sys.stderr)
        return 2
    real_servers = Settings.from_env("courses", environ).amqp
    demo_data = wants_demo_data(environ, real_servers)
    platform = (ProcessPlatform(environ, demo_data=demo_data) if real_servers
                else EmbeddedPlatform(environ, seed=demo_data))
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    url = platform.start()
    mode = "services as processes on the real broker" if real_servers else "embedded"
    print(f"\n  The platform is up ({mode}): {url}\n  API document: {url}/api/openapi.json"
          f"\n  Ctrl-C stops it.\n", flush=True)
    try:
        while not stopping.wait(1.0):
            if real_servers and (exited := platform.exited()):
                print(f"processes ended unexpectedly: {exited}", file=sys.stderr)
                return 1
    finally:
        print("stopping…", flush=True)
        platform.shutdown()
    return 0
