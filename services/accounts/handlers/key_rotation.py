"""Finishing an encryption key rotation (R-ACC-1): every teacher's national ID sealed under
an older key is opened and sealed again under the current one, with a fresh nonce, so the
retired secret can be dropped afterwards.

Batch by batch (the kit keyring's ``reseal_in_batches``), each in its own transaction: 300,000 teachers never
sit in one, and a run that stops (a deployment, a crash) loses at most one batch; the
next run picks up the rows still under an old key. A row is rewritten only if it still
holds what was read, so an import or an edit meanwhile is never overwritten. A row whose key is not configured
(retired too early) cannot be opened: it is counted and named, and stays as it is.

The national ID itself appears in no log line and no result."""
from __future__ import annotations

import logging
import uuid
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from servicekit.keyring import Sealed, reseal_in_batches
from servicekit.service import Runtime
from services.accounts.adapters.sealed_national_ids import SealedNationalIds, SealedRow

if TYPE_CHECKING:  # the components import the adapters, not the handlers
    from services.accounts.components import AccountsComponents

log = logging.getLogger("services.accounts.key_rotation")

DEFAULT_BATCH = 1000


@dataclass
class Reencryption:
    current_key_id: str
    already_current: int = 0  # under the current key when the run began
    reencrypted: int = 0
    changed_meanwhile: int = 0  # rewritten by another change between read and update
    unreadable: int = 0
    unreadable_account_ids: list[str] = field(default_factory=list)
    remaining: int = 0  # still under another key when the run ended

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def reencrypt_national_ids(runtime: Runtime[AccountsComponents], batch_size: int = DEFAULT_BATCH) -> Reencryption:
    vault = runtime.components.vault
    result = Reencryption(vault.current_key_id)
    with runtime.database.session() as session:
        result.already_current = SealedNationalIds(session).count_under(vault.current_key_id)

    def page(session: Session, after: uuid.UUID | None, limit: int) -> list[SealedRow]:
        return SealedNationalIds(session).not_under(vault.current_key_id, after, limit)

    def reseal(row: SealedRow) -> Sealed:
        return vault.reseal(str(row.account_id), row.sealed)  # UnknownKey: a CannotOpen

    def replace(session: Session, row: SealedRow, resealed: Sealed) -> bool:
        return SealedNationalIds(session).replace(row.account_id, row.sealed, resealed)

    run = reseal_in_batches(runtime.database, batch_size, page=page,
                            key=lambda row: row.account_id, reseal=reseal, replace=replace)
    result.reencrypted, result.changed_meanwhile = run.rewritten, run.changed_meanwhile
    result.unreadable, result.unreadable_account_ids = run.unreadable, run.unreadable_ids
    with runtime.database.session() as session:
        result.remaining = SealedNationalIds(session).count_not_under(vault.current_key_id)
    log.info("national IDs re-encrypted", extra={"reencrypted": result.reencrypted,
                                                 "remaining": result.remaining})
    if result.unreadable:
        log.warning("national IDs under a key that is not configured", extra={
            "unreadable": result.unreadable, "account_ids": result.unreadable_account_ids})
    return result
