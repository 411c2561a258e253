"""The secrets sso keeps sealed at rest (signing keys, county credentials) as the re-sealing
after a change of ``KEY_ENCRYPTION_KEY`` reads and rewrites them, batch by batch
(servicekit.batches): a value is rewritten only if it still holds what was read."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, func, select, update
from sqlalchemy.orm import Session

from servicekit.batches import BatchRewrite, BatchRun, Unreadable
from servicekit.db import Database
from servicekit.dml import rows_changed
from services.sso.adapters.sealing import Sealer, county_secret_purpose, signing_key_purpose
from services.sso.adapters.tables.county import county_connectors
from services.sso.adapters.tables.keys import signing_keys


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


@dataclass(frozen=True)
class SealedCount:
    already_current: int
    run: BatchRun
    remaining: int


class SealedSecrets:
    def __init__(self, database: Database) -> None:
        self.database = database

    def reseal(self, name: str, sealer: Sealer, batch_size: int) -> SealedCount:
        """Every value of kind ``name`` sealed under an earlier key, sealed again under
        the current one; a value no configured key opens is counted and named."""
        kind = SEALED[name]
        current = kind.sealed.like(sealer.current_prefix + "%")
        waiting = kind.sealed.is_not(None) & ~current

        def page(session: Session, after: Any, limit: int) -> list[Any]:
            query = select(kind.key, kind.sealed).where(waiting).order_by(kind.key).limit(limit)
            if after is not None:
                query = query.where(kind.key > after)
            return list(session.execute(query).all())

        def rewrite(session: Session, row: Any) -> bool:
            key, sealed = row
            try:
                resealed = sealer.reseal(sealed, kind.purpose(key))
            except ValueError:
                raise Unreadable(key) from None
            return rows_changed(session.execute(update(kind.table).where(
                kind.key == key, kind.sealed == sealed)
                .values({kind.sealed.name: resealed}))) == 1

        with self.database.session() as session:
            already = session.scalar(select(func.count()).select_from(kind.table)
                                     .where(current)) or 0
        run = BatchRewrite(page, lambda row: row[0], rewrite).run(self.database, batch_size)
        with self.database.session() as session:
            remaining = session.scalar(select(func.count()).select_from(kind.table)
                                       .where(waiting)) or 0
        return SealedCount(already, run, remaining)
