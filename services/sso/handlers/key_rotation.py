"""Finishing a rotation of ``KEY_ENCRYPTION_KEY``: every signing key and county credential
sealed under an earlier key is opened and sealed again under the current one, so the
retired secret can be dropped. Batch by batch (servicekit.batches): a run that stops is
continued by the next, a key rotated or a credential set meanwhile keeps what that change
wrote, and a value no configured key opens is counted and named, and stays as it is. No
secret is ever in the result."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, func, select, update
from sqlalchemy.orm import Session

from servicekit.batches import BatchRewrite, Unreadable
from servicekit.dml import rows_changed
from services.sso.adapters.sealing import Sealer, county_secret_purpose, signing_key_purpose
from services.sso.adapters.tables.county import county_connectors
from services.sso.adapters.tables.keys import signing_keys
from services.sso.dependencies import SsoDependencies

DEFAULT_BATCH = 1000


@dataclass(frozen=True)
class SealedKind:
    table: Table
    key: Column
    sealed: Column
    purpose: Callable[[str], str]  # the associated data it was sealed with


SEALED = {
    "signing_keys": SealedKind(signing_keys, signing_keys.c.kid, signing_keys.c.private_sealed,
                               signing_key_purpose),
    "county_credentials": SealedKind(county_connectors, county_connectors.c.county_code,
                                     county_connectors.c.secret_sealed,
                                     county_secret_purpose),
}


def reseal_secrets(sso: SsoDependencies, batch_size: int = DEFAULT_BATCH) -> dict[str, Any]:
    sealer = sso.sealer
    return {"current_key_id": sealer.current_key_id,
            **{name: _reseal(sso, sealer, kind, batch_size) for name, kind in SEALED.items()}}


def _reseal(sso: SsoDependencies, sealer: Sealer, kind: SealedKind, batch_size: int) -> dict[str, Any]:
    current = kind.sealed.like(sealer.current_prefix + "%")
    waiting = kind.sealed.is_not(None) & ~current

    def page(session: Session, after: Any, limit: int) -> list[Any]:
        query = select(kind.key, kind.sealed).where(waiting).order_by(kind.key).limit(limit)
        if after is not None:
            query = query.where(kind.key > after)
        return list(session.execute(query).all())

    def rewrite(session: Session, row: Any) -> bool:
        name, sealed = row
        try:
            resealed = sealer.reseal(sealed, kind.purpose(name))
        except ValueError:
            raise Unreadable(name) from None
        return rows_changed(session.execute(update(kind.table).where(kind.key == name, kind.sealed == sealed)
                               .values({kind.sealed.name: resealed}))) == 1

    with sso.database.session() as session:
        already = session.scalar(select(func.count()).select_from(kind.table).where(current)) or 0
    run = BatchRewrite(page, lambda row: row[0], rewrite).run(sso.database, batch_size)
    with sso.database.session() as session:
        remaining = session.scalar(select(func.count()).select_from(kind.table).where(waiting)) or 0
    return {"already_current": already, "resealed": run.rewritten,
            "changed_meanwhile": run.changed_meanwhile, "unreadable": run.unreadable,
            "unreadable_ids": run.unreadable_ids, "remaining": remaining}
