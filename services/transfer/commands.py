"""The transfer service's own commands (``python -m services.transfer <command>``), each
a CronJob in deploy/k8s (Asia/Taipei):

    purge-files         daily: delete uploaded files and their reports (they hold national
                        IDs) older than TRANSFER_FILE_RETENTION_DAYS, logged with the count
    check-deadlines [--month YYYY-MM]
                        the 6th of each month: record and log the production sources late
                        or missing for the previous month (R-TRF-5/6) and mail each
                        source's contact once per month
    open-audits [--month YYYY-MM]
                        the 10th of each month: open the audits the calendar has due
                        (R-TRF-11), after the sources stated their counts; mail each
                        audit that differs to its source's contact
    send-finding-mails  daily: try again the findings' mails that could not go out (or
                        waited for a source's contact)
    archive-silent-sources
                        monthly: archive production sources silent since
                        TRANSFER_SILENT_SINCE (2013-01-01), each logged
    fail-interrupted-uploads
                        every 30 min: uploads still queued or processing
                        TRANSFER_INTERRUPTED_UPLOAD_MINUTES after they were made lost their
                        job to a restart; mark them failed with the reason, to be sent again
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
from collections.abc import Callable
from datetime import date, timedelta

from servicekit.batches import batch_argument
from servicekit.service import Command, Runtime, os_user
from services.transfer.domain.schedule import parse_month
from services.transfer.handlers import finding_mails, rules
from services.transfer.handlers.records_admin import ANNOUNCE_BATCH, announce_records, seal
from services.transfer.handlers.uploads import fail_interrupted, purge


def _month(text: str) -> date:
    try:
        return parse_month(text)
    except ValueError:
        raise argparse.ArgumentTypeError("a month is YYYY-MM") from None


def _month_argument(default_help: str) -> Callable[[argparse.ArgumentParser], None]:
    def add(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--month", type=_month, default=None,
                            help=f"YYYY-MM (default: {default_help})")
    return add


def _purge(runtime: Runtime, _args: argparse.Namespace) -> dict:
    parts = runtime.components
    return purge(parts.unit_of_work(), runtime.clock, parts.file_rules.retention_days)


def _deadlines(runtime: Runtime, args: argparse.Namespace) -> dict:
    parts = runtime.components
    found = rules.record_deadlines(parts.unit_of_work(), runtime.clock,
                                   args.month or rules.previous_month(runtime.clock),
                                   parts.silence_days)
    return {**found, "mails": _send_mails(runtime, args)}


def _audits(runtime: Runtime, args: argparse.Namespace) -> dict:
    opened = rules.open_due_audits(runtime.components.unit_of_work(), runtime.clock,
                                   args.month)
    return {**opened, "mails": _send_mails(runtime, args)}


def _send_mails(runtime: Runtime, _args: argparse.Namespace) -> dict:
    parts = runtime.components
    return finding_mails.send_waiting(parts.unit_of_work(), parts.mailer, runtime.clock)


def _archive(runtime: Runtime, _args: argparse.Namespace) -> dict:
    parts = runtime.components
    return rules.archive_silent(parts.unit_of_work(), runtime.clock, parts.silent_since)


def _interrupted(runtime: Runtime, _args: argparse.Namespace) -> dict:
    parts = runtime.components
    return fail_interrupted(parts.unit_of_work(), runtime.clock, parts.interrupted_after)


def fail_interrupted_at_start(runtime: Runtime) -> object:
    """After ``migrate``: on the embedded default the platform is one process that migrates
    as it starts, so an upload left unfinished was interrupted by the stop; on real
    servers other processes may be working, and the scheduled command decides by age."""
    if not runtime.settings.embedded:
        return None
    return fail_interrupted(runtime.components.unit_of_work(), runtime.clock, timedelta(0))


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
    Command("check-deadlines", "record and log the sources late or missing for a month "
            "(the 6th of each month)", _deadlines, _month_argument("the previous month")),
    Command("open-audits", "open the audits the calendar has due this month (monthly)",
            _audits, _month_argument("this month")),
    Command("send-finding-mails", "try again the findings' mails that could not go out "
            "(daily)", _send_mails),
    Command("archive-silent-sources", "archive production sources silent since "
            "TRANSFER_SILENT_SINCE (monthly)", _archive),
    Command("fail-interrupted-uploads", "mark uploads whose processing a restart "
            "interrupted as failed, to be sent again (every 30 minutes)", _interrupted),
    Command("seal-year", "make a year's records read-only (then detachable on PostgreSQL)",
            _seal, _seal_arguments),
    Command("announce-records", "publish every live production record again "
            "(the record-added event, stable ids) for a consumer that subscribes later",
            _announce, batch_argument(ANNOUNCE_BATCH)),
)
