"""Finishing an encryption key rotation (R-ACC-1): every teacher's national ID sealed under
an older key is opened and sealed again under the current one, with a fresh nonce, so the
retired secret can be dropped afterwards.

Batch by batch, each in its own transaction: 300,000 teachers never sit in one, and a run
that stops (a deployment, a crash) loses at most one batch; the next run picks up the
rows still under an old key. A row is rewritten only if it still holds what was read, so
an import or an edit meanwhile is never overwritten. A row whose key is not configured
(retired too early) cannot be opened: it is counted and named, and stays as it is.

The national ID itself appears in no log line and no result."""
from __future__ import annotations

import logging
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from servicekit.service import Runtime
from services.accounts.adapters.national_id_vault import UnknownKey, vault_for
from services.accounts.adapters.sealed_national_ids import SealedNationalIds

log = logging.getLogger("services.accounts.key_rotation")

DEFAULT_BATCH = 1000
MAX_LISTED = 100  # unreadable account ids named in the result; the count is always whole


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


def reencrypt_national_ids(runtime: Runtime, batch_size: int = DEFAULT_BATCH) -> Reencryption:
    if batch_size < 1:
        raise ValueError(f"the batch size must be at least 1, not {batch_size}")
    vault = vault_for(runtime)
    result = Reencryption(vault.current_key_id)
    with runtime.database.session() as session:
        result.already_current = SealedNationalIds(session).count_under(vault.current_key_id)
    after: uuid.UUID | None = None
    while True:
        with runtime.database.session() as session:
            store = SealedNationalIds(session)
            rows = store.not_under(vault.current_key_id, after, batch_size)
            done, changed, unreadable = 0, 0, []
            for row in rows:
                try:
                    resealed = vault.reseal(str(row.account_id), row.sealed)
                except UnknownKey:
                    unreadable.append(str(row.account_id))
                    continue
                if store.replace(row.account_id, row.sealed, resealed):
                    done += 1
                else:
                    changed += 1
        # Counted once the batch has committed: the result never claims a rolled-back row.
        result.reencrypted += done
        result.changed_meanwhile += changed
        result.unreadable += len(unreadable)
        room = MAX_LISTED - len(result.unreadable_account_ids)
        result.unreadable_account_ids.extend(unreadable[:max(room, 0)])
        if rows:
            after = rows[-1].account_id
            log.info("national IDs re-encrypted", extra={
                "batch": len(rows), "reencrypted": done, "changed_meanwhile": changed,
                "unreadable": len(unreadable), "total_reencrypted": result.reencrypted})
        if len(rows) < batch_size:
            break
    with runtime.database.session() as session:
        result.remaining = SealedNationalIds(session).count_not_under(vault.current_key_id)
    if result.unreadable:
        log.warning("national IDs under a key that is not configured", extra={
            "unreadable": result.unreadable, "account_ids": result.unreadable_account_ids})
    return result
