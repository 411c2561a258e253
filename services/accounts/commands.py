"""The accounts service's own commands (``python -m services.accounts <command>``):

    reencrypt-national-ids [--batch N]   after the encryption key changed: re-seal every
                                         national ID still under a retired key (R-ACC-1)
    rehash-national-ids [--batch N]      after the hash key changed: move every teacher's
                                         lookup hash to the current key (R-ACC-1)
    tidy-import-reports [--days N]       daily: drop the rows of teacher import reports
                                         past IMPORT_REPORT_RETENTION_DAYS (R-ACC-3)
    announce-organisations               every unit, jurisdiction change and routing rule
                                         told again, for a service that subscribes later
    announce-accounts [--batch N]        every account's account.created told again, at
                                         its opening moment, with stable event ids
    create-operator LOGIN --name N --email E [--by WHO] [--another]
                                         the first operator account of a platform (then
                                         ``python -m services.sso operator-setup-link LOGIN``)
"""
from __future__ import annotations

import argparse
import socket

from marshmallow import ValidationError, validate

from servicekit.batches import batch_argument
from servicekit.service import Command, Runtime, os_user, positive_int
from services.accounts.handlers.announce import (
    ACCOUNTS_BATCH,
    announce_accounts,
    announce_organisations,
)
from services.accounts.handlers.first_operator import create_operator
from services.accounts.handlers.hash_rotation import rehash_national_ids
from services.accounts.handlers.import_history import retention_days, tidy_reports
from services.accounts.handlers.key_rotation import DEFAULT_BATCH, reencrypt_national_ids


def _reencrypt(runtime: Runtime, args: argparse.Namespace) -> dict:
    return reencrypt_national_ids(runtime, args.batch).as_dict()


def _rehash(runtime: Runtime, args: argparse.Namespace) -> dict:
    return rehash_national_ids(runtime, args.batch).as_dict()


def _tidy_reports(runtime: Runtime, args: argparse.Namespace) -> dict:
    return tidy_reports(runtime.components.unit_of_work(), runtime.clock,
                        args.days or retention_days(runtime.settings))


def _days(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--days", type=positive_int, default=None,
                        help="keep reports this many days (default IMPORT_REPORT_RETENTION_DAYS)")


def _email(text: str) -> str:
    try:
        return validate.Email()(text.strip())
    except ValidationError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an e-mail address") from None


def _operator_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("login", help="the operator's login (3-64 of a-z 0-9 . _ -)")
    parser.add_argument("--name", required=True, help="the operator's name as shown")
    parser.add_argument("--email", required=True, type=_email,
                        help="the operator's address (for forgotten passwords)")
    parser.add_argument("--by", help="who runs this, for the audit (default: the OS user)")
    parser.add_argument("--another", action="store_true",
                        help="make it even though the platform has an operator already")


def _create_operator(runtime: Runtime, args: argparse.Namespace) -> dict:
    user = os_user()
    account = create_operator(runtime.components.unit_of_work(), runtime.clock, args.login, args.name, args.email,
                              run_by=args.by or user, os_user=user, host=socket.gethostname(),
                              another=args.another)
    return {"account_id": account.account_id, "login": account.login, "role": "operator",
            "next": f"python -m services.sso operator-setup-link {account.login}"}


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
            lambda runtime, _args: announce_organisations(runtime.components.unit_of_work(),
                                                          runtime.clock)),
    Command("announce-accounts", "announce every account's opening again (account.created "
            "at its moment, stable ids: a backfill for a service that subscribes later)",
            lambda runtime, args: announce_accounts(runtime.components.unit_of_work,
                                                    args.batch),
            batch_argument(ACCOUNTS_BATCH)),
    Command("create-operator", "make the platform's first operator account (audited; "
            "refused when an operator exists, unless --another)", _create_operator,
            _operator_arguments),
)
