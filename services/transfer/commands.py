"""The transfer service's own commands (``python -m services.transfer <command>``):

    purge-files         daily: delete uploaded files and their reports (they hold national
                        IDs) older than TRANSFER_FILE_RETENTION_DAYS, logged with the count
    seal-year YEAR [--by WHO]
                        make a year's records read-only (R-TRF-12); on PostgreSQL its
                        partitions may then be detached (the README's procedure)
    announce-records [--batch N]
                        publish every live production record again as
                        the record-added event (stable event ids), for a consumer that
                        subscribes later (the statistics' backfill)
"""
from __future__ import annotations

import argparse

from servicekit.batches import batch_argument
from servicekit.service import Command, Runtime, os_user
from services.transfer.handlers.records_admin import ANNOUNCE_BATCH, announce_records, seal
from services.transfer.handlers.uploads import purge


def _purge(runtime: Runtime, _args: argparse.Namespace) -> dict:
    parts = runtime.components
    return purge(parts.unit_of_work(), runtime.clock, parts.file_rules.retention_days)


def _year(text: str) -> int:
    if not text.isdigit() or not 1990 <= int(text) <= 2100:
        raise argparse.ArgumentTypeError(f"{text!r} is not a year (1990-2100)")
    return int(text)


def _seal_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("year", type=_year, help="the year of the courses' start")
    parser.add_argument("--by", help="who seals it, for the record (default: the OS user)")


def _seal(runtime: Runtime, args: argparse.Namespace) -> dict:
    return seal(runtime.components.unit_of_work(), runtime.clock, args.year,
                args.by or os_user())


def _announce(runtime: Runtime, args: argparse.Namespace) -> dict:
    return announce_records(runtime.components.unit_of_work(), args.batch)


COMMANDS = (
    Command("purge-files", "delete uploaded files and reports past their retention (daily)",
            _purge),
    Command("seal-year", "make a year's records read-only (then detachable on PostgreSQL)",
            _seal, _seal_arguments),
    Command("announce-records", "publish every live production record again "
            "(the record-added event, stable ids) for a consumer that subscribes later",
            _announce, batch_argument(ANNOUNCE_BATCH)),
)
