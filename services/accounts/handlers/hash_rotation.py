"""Finishing a hash key rotation (R-ACC-1): every teacher's lookup hash moved to the
current hash key, so that lookups and deduplication need that key alone and the previous
one can be dropped.

A stored hash does not say which key made it, so every teacher is read, batch by batch,
each batch in its own transaction: the national ID is opened and hashed under the current
key, and a row whose hash differs is rewritten, only if it still holds the hash that was
read. Only the current hash key and the encryption keys are needed, not the previous hash
key: a run after that key was dropped still repairs every row. A second run rewrites
nothing; a run that stops (a deployment, a crash) keeps its committed batches and is
simply run again.

Two cases are counted, named and left alone, and never stop the run: a ciphertext under
an encryption key that is not configured (unreadable), and a current hash that another
row holds already (a conflict: the same person twice, written by a process that lacked
the previous key; the two accounts have to be merged first).

The national ID appears in no log line and no result."""
from __future__ import annotations

import logging
import uuid
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError

from servicekit.batches import MAX_LISTED
from servicekit.service import Runtime
from services.accounts.adapters.national_id_vault import NationalIdVault, UnknownKey
from services.accounts.adapters.sealed_national_ids import SealedNationalIds, SealedRow
from services.accounts.handlers.key_rotation import DEFAULT_BATCH

if TYPE_CHECKING:  # the components import the adapters, not the handlers
    from services.accounts.components import AccountsComponents

log = logging.getLogger("services.accounts.hash_rotation")


@dataclass
class Rehashing:
    rehashed: int = 0
    already_current: int = 0
    changed_meanwhile: int = 0  # the hash was rewritten by something else since it was read
    unreadable: int = 0
    unreadable_account_ids: list[str] = field(default_factory=list)
    conflicts: int = 0
    # {"account_id": the row left as it is, "duplicate_of": the row holding its hash}
    conflicting_accounts: list[dict[str, str | None]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def add(self, batch: _Batch) -> None:
        self.rehashed += batch.rehashed
        self.already_current += batch.already_current
        self.changed_meanwhile += batch.changed_meanwhile
        self.unreadable += len(batch.unreadable)
        self.unreadable_account_ids.extend(
            batch.unreadable[:max(MAX_LISTED - len(self.unreadable_account_ids), 0)])
        self.conflicts += len(batch.conflicts)
        self.conflicting_accounts.extend(
            batch.conflicts[:max(MAX_LISTED - len(self.conflicting_accounts), 0)])


@dataclass
class _Batch:
    rehashed: int = 0
    already_current: int = 0
    changed_meanwhile: int = 0
    unreadable: list[str] = field(default_factory=list)
    conflicts: list[dict[str, str | None]] = field(default_factory=list)


def rehash_national_ids(runtime: Runtime[AccountsComponents], batch_size: int = DEFAULT_BATCH) -> Rehashing:
    if batch_size < 1:
        raise ValueError(f"the batch size must be at least 1, not {batch_size}")
    vault = runtime.components.vault
    result = Rehashing()
    after: uuid.UUID | None = None
    while True:
        with runtime.database.session() as session:
            store = SealedNationalIds(session)
            rows = store.every(after, batch_size)
            batch = _rehash(store, vault, rows)
        # Counted once the batch has committed: the result never claims a rolled-back row.
        result.add(batch)
        if rows:
            after = rows[-1].account_id
            log.info("national ID hashes moved to the current key", extra={
                "batch": len(rows), "rehashed": batch.rehashed,
                "changed_meanwhile": batch.changed_meanwhile,
                "unreadable": len(batch.unreadable), "conflicts": len(batch.conflicts),
                "total_rehashed": result.rehashed})
        if len(rows) < batch_size:
            break
    if result.unreadable:
        log.warning("national IDs under a key that is not configured", extra={
            "unreadable": result.unreadable, "account_ids": result.unreadable_account_ids})
    if result.conflicts:
        log.warning("teachers whose current hash another account holds", extra={
            "conflicts": result.conflicts, "accounts": result.conflicting_accounts})
    return result


def _rehash(store: SealedNationalIds, vault: NationalIdVault, rows: list[SealedRow]) -> _Batch:
    batch = _Batch()
    stale: list[tuple[SealedRow, bytes]] = []
    for row in rows:
        try:
            current = vault.lookup_hash(vault.open(str(row.account_id), row.sealed))
        except UnknownKey:
            batch.unreadable.append(str(row.account_id))
            continue
        if current == row.lookup_hash:
            batch.already_current += 1
        else:
            stale.append((row, current))
    if not stale:
        return batch
    written: list[bool | None]
    try:
        # One savepoint for the batch: conflicts are rare, a savepoint per row is not free.
        with store.session.begin_nested():
            written = [store.rehash(row.account_id, row.lookup_hash, new) for row, new in stale]
    except IntegrityError:
        # Someone's second account is among them: row by row, to leave only that one.
        written = [_rehash_one(store, row, new, batch) for row, new in stale]
    batch.rehashed += sum(outcome is True for outcome in written)
    batch.changed_meanwhile += sum(outcome is False for outcome in written)
    return batch


def _rehash_one(store: SealedNationalIds, row: SealedRow, new: bytes,
                batch: _Batch) -> bool | None:
    """True: rewritten; False: changed meanwhile; None: a conflict, recorded in ``batch``."""
    try:
        with store.session.begin_nested():
            return store.rehash(row.account_id, row.lookup_hash, new)
    except IntegrityError:
        holder = store.holder_of(new)
        batch.conflicts.append({"account_id": str(row.account_id),
                                "duplicate_of": str(holder) if holder else None})
        return None
