"""The accounts service's own commands (``python -m services.accounts <command>``):

    reencrypt-national-ids [--batch N]   after the encryption key changed: re-seal every
                                         national ID still under a retired key (R-ACC-1)
    rehash-national-ids [--batch N]      after the hash key changed: move every teacher's
                                         lookup hash to the current key (R-ACC-1)
    tidy-import-reports [--days N]       daily: drop the rows of teacher import reports
                                         past IMPORT_REPORT_RETENTION_DAYS (R-ACC-3)
    announce-organisations               every unit, jurisdiction change and routing rule
                                         told again, for a service that subscribes later
"""
from __future__ import annotations

import argparse

from servicekit.batches import batch_argument
from servicekit.service import Command, Runtime, positive_int
from services.accounts.handlers.announce import announce_organisations
from services.accounts.handlers.hash_rotation import rehash_national_ids
from services.accounts.handlers.import_history import tidy_reports
from services.accounts.handlers.key_rotation import DEFAULT_BATCH, reencrypt_national_ids


def _reencrypt(runtime: Runtime, args: argparse.Namespace) -> dict:
    return reencrypt_national_ids(runtime, args.batch).as_dict()


def _rehash(runtime: Runtime, args: argparse.Namespace) -> dict:
    return rehash_national_ids(runtime, args.batch).as_dict()


def _tidy_reports(runtime: Runtime, args: argparse.Namespace) -> dict:
    return tidy_reports(runtime, args.days)


def _days(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--days", type=positive_int, default=None,
                        help="keep reports this many days (default IMPORT_REPORT_RETENTION_DAYS)")


COMMANDS = (
    Command("reencrypt-national-ids",
            "re-seal national IDs under the current encryption key (after a rotation)",
            _reencrypt, batch_argument(DEFAULT_BATCH)),
    Command("rehash-national-ids",
            "move national-ID lookup hashes to the current hash key (after a rotation)",
            _rehash, batch_argument(DEFAULT_BATCH)),
    Command("tidy-import-reports", "drop teacher import reports past their retention (daily)",
            _tidy_reports, _days),
    Command("announce-organisations", "announce every unit, jurisdiction change and routing "
            "rule again (for a service that subscribes later)",
            lambda runtime, _args: announce_organisations(runtime)),
)
