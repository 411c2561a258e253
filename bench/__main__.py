"""``python -m bench <scenario>…`` or ``python -m bench all``."""
from __future__ import annotations

import argparse
import importlib
import signal
import sys
import traceback

# Imported only when run: a service that does not import today fails its own scenario,
# not every other one.
SCENARIOS = {"bus": "bench.bus", "gateway": "bench.gateway", "teacher-import": "bench.teacher_import",
             "sso": "bench.sso", "recovery": "bench.recovery",
             "rush": "bench.rush", "stats": "bench.stats", "search": "bench.search",
             "web": "bench.web", "scrape": "bench.scrape", "transfer": "bench.transfer"}
# Run only when named: hours of loading on this machine.
ON_REQUEST = {"search-national": "bench.search_national",
              "stats-national": "bench.stats_national"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("scenarios", nargs="+", choices=[*SCENARIOS, *ON_REQUEST, "all"])
    args = parser.parse_args(argv)
    names = list(SCENARIOS) if "all" in args.scenarios else args.scenarios
    # A stopped run still removes its processes, databases and vhost (the finally blocks).
    signal.signal(signal.SIGTERM, _stop)
    failed = []
    for name in names:
        try:
            importlib.import_module({**SCENARIOS, **ON_REQUEST}[name]).run()
        except Exception as error:  # one broken scenario must not hide the others' figures
            traceback.print_exc()
            print(f"{name}: FAILED: {type(error).__name__}: {error}", file=sys.stderr)
            failed.append(name)
    return 1 if failed else 0


def _stop(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


# Guarded: the raw baseline's processes are spawned and import this module again.
if __name__ == "__main__":
    sys.exit(main())
