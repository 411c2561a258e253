"""The accounts service's own commands (``python -m services.accounts <command>``):

    reencrypt-national-ids [--batch N]   after the encryption key changed: re-seal every
                                         national ID still under a retired key (R-ACC-1)
    rehash-national-ids [--batch N]      after the hash key changed: move every teacher's
                                         lookup hash to the current key (R-ACC-1)
"""
from __future__ import annotations

import argparse

from servicekit.service import Command, Runtime
from services.accounts.handlers.hash_rotation import rehash_national_ids
from services.accounts.handlers.key_rotation import DEFAULT_BATCH, reencrypt_national_ids


def _reencrypt(runtime: Runtime, args: argparse.Namespace) -> dict:
    return reencrypt_national_ids(runtime, args.batch).as_dict()


def _rehash(runtime: Runtime, args: argparse.Namespace) -> dict:
    return rehash_national_ids(runtime, args.batch).as_dict()


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive number of rows")
    return value


def _batch(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--batch", type=_positive, default=DEFAULT_BATCH,
                        help=f"rows per transaction (default {DEFAULT_BATCH})")


COMMANDS = (
    Command("reencrypt-national-ids",
            "re-seal national IDs under the current encryption key (after a rotation)",
            _reencrypt, _batch),
    Command("rehash-national-ids",
            "move national-ID lookup hashes to the current hash key (after a rotation)",
            _rehash, _batch),
)
