"""The sso service's own commands (``python -m services.sso <command>``):

    tidy-records [--days N]   daily: tidy login/password-change records and expired state,
                              retry maintenance mails that failed
    rotate-keys               e.g. weekly: promote the published next signing key
    reseal-secrets [--batch N]
                              after KEY_ENCRYPTION_KEY changed: seal every signing key and
                              county credential again under the current key
"""
from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy import Column, Table, func, select, update

from servicekit.service import Command, Runtime
from services.sso.adapters.orm import county_connectors, signing_keys
from services.sso.adapters.sealing import Sealer
from services.sso.context import Sso, sso_of
from services.sso.handlers.housekeeping import tidy_records

RESEAL_BATCH = 1000
MAX_LISTED = 100  # unreadable ids named per kind; the count is always whole

# What is sealed, per kind: the table, its key, the sealed column and the associated data
# it was sealed with (the same purposes adapters/keys.py and handlers/county_connectors.py
# use).
SEALED = {
    "signing_keys": (signing_keys, signing_keys.c.kid, signing_keys.c.private_sealed,
                     lambda kid: f"signing-key:{kid}"),
    "county_credentials": (county_connectors, county_connectors.c.county_code,
                           county_connectors.c.secret_sealed, lambda code: f"county:{code}"),
}


def _tidy(runtime: Runtime, args: argparse.Namespace) -> dict:
    return tidy_records(sso_of(runtime), args.days)


def _days(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--days", type=int, default=None,
                        help="keep records this many days (default SSO_RECORD_RETENTION_DAYS)")


def _rotate(runtime: Runtime, _args: argparse.Namespace) -> dict:
    rotation = sso_of(runtime).keys.rotate()
    return {"promoted": rotation.promoted, "waiting_seconds": rotation.waiting_seconds,
            "removed": rotation.removed}


def _reseal(runtime: Runtime, args: argparse.Namespace) -> dict:
    return reseal_secrets(sso_of(runtime), args.batch)


def reseal_secrets(sso: Sso, batch_size: int = RESEAL_BATCH) -> dict[str, Any]:
    """Every sealed value not under the current key, opened and sealed again, batch by
    batch in transactions of their own (a run that stops is continued by the next). A row
    is rewritten only if it still holds what was read: a key rotated or a credential set
    meanwhile keeps what that change wrote. A value no configured key opens is counted and
    named, and stays as it is; no secret is ever in the result."""
    if batch_size < 1:
        raise ValueError(f"the batch size must be at least 1, not {batch_size}")
    sealer = sso.sealer
    result: dict[str, Any] = {"current_key_id": sealer.current_key_id}
    for kind, (table, key, column, purpose) in SEALED.items():
        result[kind] = _reseal_table(sso, sealer, table, key, column, purpose, batch_size)
    return result


def _reseal_table(sso: Sso, sealer: Sealer, table: Table, key: Column, column: Column,
                  purpose: Any, batch_size: int) -> dict[str, Any]:
    current = column.like(sealer.current_prefix + "%")
    counts: dict[str, Any] = {"already_current": 0, "resealed": 0, "changed_meanwhile": 0,
                              "unreadable": 0, "unreadable_ids": []}
    with sso.database.session() as session:
        counts["already_current"] = session.scalar(
            select(func.count()).select_from(table).where(current)) or 0
    after = None
    while True:
        with sso.database.session() as session:
            query = (select(key, column).where(column.is_not(None), ~current)
                     .order_by(key).limit(batch_size))
            if after is not None:
                query = query.where(key > after)
            rows = session.execute(query).all()
            done, changed, unreadable = 0, 0, []
            for name, sealed in rows:
                try:
                    resealed = sealer.reseal(sealed, purpose(name))
                except ValueError:
                    unreadable.append(name)
                    continue
                if session.execute(update(table).where(key == name, column == sealed)
                                   .values({column.name: resealed})).rowcount == 1:
                    done += 1
                else:
                    changed += 1
        counts["resealed"] += done  # once the batch has committed
        counts["changed_meanwhile"] += changed
        counts["unreadable"] += len(unreadable)
        counts["unreadable_ids"] += unreadable[:max(MAX_LISTED - len(counts["unreadable_ids"]), 0)]
        if len(rows) < batch_size:
            break
        after = rows[-1][0]
    with sso.database.session() as session:
        counts["remaining"] = session.scalar(select(func.count()).select_from(table).where(
            column.is_not(None), ~current)) or 0
    return counts


def _batch(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--batch", type=_positive, default=RESEAL_BATCH,
                        help=f"rows per transaction (default {RESEAL_BATCH})")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive number of rows")
    return value


COMMANDS = (
    Command("tidy-records", "tidy login and password-change records (daily)", _tidy, _days),
    Command("rotate-keys", "promote the published next signing key (weekly)", _rotate),
    Command("reseal-secrets", "seal signing keys and county credentials again under the "
            "current KEY_ENCRYPTION_KEY (after a rotation)", _reseal, _batch),
)
