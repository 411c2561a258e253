"""``python -m servicekit.liveness FILE --max-age SECONDS``: the liveness probe of the
relay and consumer processes (servicekit/heartbeat.py). Exits 0 while FILE was touched
within SECONDS, 1 (with the reason on stderr) when it is older or missing, so Kubernetes
(an exec livenessProbe) or compose (a healthcheck with restart) restarts the process.

SECONDS must be above the loop's longest normal turn: a batch, the idle wait, the retry
delay while a server is down, and a connection attempt (docs/operations.md, "Liveness").
Imports nothing but the standard library: it runs every few seconds in every container.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def age(path: Path) -> float:
    return time.time() - path.stat().st_mtime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m servicekit.liveness")
    parser.add_argument("file", type=Path)
    parser.add_argument("--max-age", type=float, required=True, help="seconds")
    args = parser.parse_args(argv)
    try:
        seconds = age(args.file)
    except FileNotFoundError:
        print(f"not alive: no heartbeat file {args.file}", file=sys.stderr)
        return 1
    if seconds > args.max_age:
        print(f"not alive: last turn {seconds:.0f}s ago (more than {args.max_age:g}s)",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
