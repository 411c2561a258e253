"""The sso service's scheduled commands (``python -m services.sso <command>``):

    tidy-records [--days N]   daily: tidy login/password-change records and expired state,
                              retry maintenance mails that failed
    rotate-keys               e.g. weekly: promote the published next signing key
"""
from __future__ import annotations

import argparse

from servicekit.service import Command, Runtime
from services.sso.context import sso_of
from services.sso.handlers.housekeeping import tidy_records


def _tidy(runtime: Runtime, args: argparse.Namespace) -> dict:
    return tidy_records(sso_of(runtime), args.days)


def _days(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--days", type=int, default=None,
                        help="keep records this many days (default SSO_RECORD_RETENTION_DAYS)")


def _rotate(runtime: Runtime, _args: argparse.Namespace) -> dict:
    rotation = sso_of(runtime).keys.rotate()
    return {"promoted": rotation.promoted, "waiting_seconds": rotation.waiting_seconds,
            "removed": rotation.removed}


COMMANDS = (
    Command("tidy-records", "tidy login and password-change records (daily)", _tidy, _days),
    Command("rotate-keys", "promote the published next signing key (weekly)", _rotate),
)
