"""The sso service's scheduled commands. The kit's command line has a fixed set of
commands; until ``ServiceDefinition`` can carry a service's own, ``__main__`` sends these
names here and everything else to the kit."""
from __future__ import annotations

import argparse
import json

from servicekit.logs import configure_logging
from servicekit.service import Runtime, ServiceDefinition
from servicekit.settings import Settings
from services.sso.context import sso_of
from services.sso.handlers.housekeeping import tidy_records


def _tidy(runtime: Runtime, args: argparse.Namespace) -> dict:
    return tidy_records(sso_of(runtime), args.days)


def _rotate(runtime: Runtime, _args: argparse.Namespace) -> dict:
    rotation = sso_of(runtime).keys.rotate()
    return {"promoted": rotation.promoted, "waiting_seconds": rotation.waiting_seconds,
            "removed": rotation.removed}


COMMANDS = {"tidy-records": _tidy, "rotate-keys": _rotate}


def run_command(definition: ServiceDefinition, argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m services.{definition.name}")
    commands = parser.add_subparsers(dest="command", required=True)
    tidy = commands.add_parser("tidy-records")
    tidy.add_argument("--days", type=int, default=None,
                      help="keep records this many days (default SSO_RECORD_RETENTION_DAYS)")
    commands.add_parser("rotate-keys")
    args = parser.parse_args(argv)
    settings = Settings.from_env(definition.name)
    configure_logging(definition.name, settings.log_level)
    print(json.dumps(COMMANDS[args.command](Runtime(definition, settings), args)))
    return 0
