from __future__ import annotations

import os
import signal
import sys
import threading

from launcher.embedded import EmbeddedPlatform
from launcher.processes import ProcessPlatform
from servicekit.settings import Settings


def main() -> int:
    environ = dict(os.environ)
    real_servers = Settings.from_env("courses", environ).amqp
    platform = ProcessPlatform(environ) if real_servers else EmbeddedPlatform(environ)
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
