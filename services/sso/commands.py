"""The sso service's own commands (``python -m services.sso <command>``):

    tidy-records [--days N]   daily: tidy login/password-change records and expired state,
                              retry maintenance mails that failed
    rotate-keys               e.g. weekly: promote the published next signing key
    reseal-secrets [--batch N]
                              after KEY_ENCRYPTION_KEY changed: seal every signing key and
                              county credential again under the current key
    digest-login-records [--batch N]
                              once, after upgrading to digested names: login records that
                              still hold a typed name of no account get its keyed digest
    register-web-client       once per platform: the web client ``web`` for TOKEN_ISSUER
    register-service-client SERVICE
                              at every set-up: the platform service's own machine client
                              (``service-transfer``) with the secret read from standard
                              input, the one that service is configured with
"""
from __future__ import annotations

import argparse
import socket
import sys

from servicekit.batches import batch_argument
from servicekit.service import Command, Runtime, os_user, positive_int
from services.sso.dependencies import SsoDependencies
from services.sso.domain.machine_clients import SERVICE_GRANTS
from services.sso.handlers import sign_in_records
from services.sso.handlers.housekeeping import tidy_records
from services.sso.handlers.key_rotation import DEFAULT_BATCH, reseal_secrets
from services.sso.handlers.operator_link import issue_operator_link
from services.sso.handlers.web_client import ensure_web_client


def _tidy(runtime: Runtime, args: argparse.Namespace) -> dict:
    return tidy_records(runtime.components, args.days)


def _days(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--days", type=positive_int, default=None,
                        help="keep records this many days (default SSO_RECORD_RETENTION_DAYS)")


def _rotate(runtime: Runtime, _args: argparse.Namespace) -> dict:
    rotation = runtime.components.keys.rotate()
    return {"promoted": rotation.promoted, "waiting_seconds": rotation.waiting_seconds,
            "removed": rotation.removed}


def _reseal(runtime: Runtime, args: argparse.Namespace) -> dict:
    dependencies = runtime.components
    return reseal_secrets(dependencies.sealed_secrets, dependencies.sealer, args.batch)


def _digest_records(runtime: Runtime, args: argparse.Namespace) -> dict:
    sso: SsoDependencies = runtime.components
    return sign_in_records.digest_clear_names(sso.database, sso.name_digests, args.batch)


def _link_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("login")
    parser.add_argument("--wait", type=positive_int, default=60,
                        help="seconds to wait for the account to arrive from the accounts "
                             "service (default 60)")
    parser.add_argument("--by", help="who runs this, for the audit (default: the OS user)")


def _operator_link(runtime: Runtime, args: argparse.Namespace) -> dict:
    user = os_user()
    sso: SsoDependencies = runtime.components
    link = issue_operator_link(sso.unit_of_work(), sso.clock, sso.config.url, args.login,
                               args.by or user, user, socket.gethostname(), args.wait)
    return {"login": link.login, "link": link.url, "expires_at": link.expires_at.isoformat(),
            "single_use": True}


def _register_web_client(runtime: Runtime, _args: argparse.Namespace) -> dict:
    sso: SsoDependencies = runtime.components
    return ensure_web_client(sso.partners, sso.config.issuer, by=os_user())


def _service_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("service", choices=sorted(SERVICE_GRANTS))


def _register_service_client(runtime: Runtime, args: argparse.Namespace) -> dict:
    """The secret comes on standard input (one line), never on the command line, where
    other users of the machine could read it."""
    sso: SsoDependencies = runtime.components
    secret = sys.stdin.readline().strip()
    if not secret:
        raise SystemExit("register-service-client: give the service's client secret on "
                         "standard input (TRANSFER_SERVICE_CLIENT_SECRET for transfer)")
    return sso.machine_clients.ensure_service_client(args.service, secret, by=os_user())


COMMANDS = (
    Command("tidy-records", "tidy login and password-change records (daily)", _tidy, _days),
    Command("rotate-keys", "promote the published next signing key (weekly)", _rotate),
    Command("reseal-secrets", "seal signing keys and county credentials again under the "
            "current KEY_ENCRYPTION_KEY (after a rotation)", _reseal,
            batch_argument(DEFAULT_BATCH)),
    Command("digest-login-records", "once after upgrading: replace typed names of no "
            "account in login records by their keyed digest", _digest_records,
            batch_argument(sign_in_records.DEFAULT_BATCH)),
    Command("operator-setup-link", "print a one-time password link for a new operator "
            "(after python -m services.accounts create-operator)", _operator_link,
            _link_arguments),
    Command("register-web-client", "register the platform's web client for TOKEN_ISSUER "
            "(once; a registered one is left as it is)", _register_web_client),
    Command("register-service-client", "register a platform service's own machine client "
            "with the secret on standard input (at every set-up; a no-op once done)",
            _register_service_client, _service_arguments),
)
