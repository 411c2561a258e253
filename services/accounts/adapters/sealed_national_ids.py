"""The teachers' sealed national IDs and lookup hashes as a key rotation reads and
rewrites them (R-ACC-1): the encryption key's (``not_under``, ``replace``) and the hash
key's (``every``, ``rehash``).

Rows are read in account-id order after a cursor (keyset, not OFFSET: every batch costs
the same however far the rotation has come), and rewritten only if they still hold what
was read: a teacher imported or edited meanwhile keeps what that change wrote."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from servicekit.dml import rows_changed
from servicekit.keyring import Sealed
from services.accounts.adapters.orm import accounts


@dataclass(frozen=True)
class SealedRow:
    account_id: uuid.UUID
    sealed: Sealed
    lookup_hash: bytes


# Teachers only: business accounts have no ciphertext (nor key id, nor hash).
_SEALED = select(accounts.c.account_id, accounts.c.national_id_key_id,
                 accounts.c.national_id_ciphertext, accounts.c.national_id_hash
                 ).where(accounts.c.national_id_ciphertext.is_not(None))


class SealedNationalIds:
    def __init__(self, session: Session) -> None:
        self.session = session

    def not_under(self, key_id: str, after: uuid.UUID | None, limit: int) -> list[SealedRow]:
        """The next ``limit`` ciphertexts sealed under another key than ``key_id``, by
        account id after ``after``."""
        return self._page(_SEALED.where(accounts.c.national_id_key_id != key_id), after, limit)

    def every(self, after: uuid.UUID | None, limit: int) -> list[SealedRow]:
        """The next ``limit`` teachers by account id after ``after``, whatever their keys:
        only the vault can tell whether a hash is under the current key."""
        return self._page(_SEALED, after, limit)

    def _page(self, query: Select, after: uuid.UUID | None, limit: int) -> list[SealedRow]:
        query = query.order_by(accounts.c.account_id).limit(limit)
        if after is not None:
            query = query.where(accounts.c.account_id > after)
        return [SealedRow(row.account_id, Sealed(row.national_id_key_id,
                                                 bytes(row.national_id_ciphertext)),
                          bytes(row.national_id_hash))
                for row in self.session.execute(query)]

    def replace(self, account_id: uuid.UUID, old: Sealed, new: Sealed) -> bool:
        """False when the row no longer holds ``old`` (changed since it was read)."""
        result = self.session.execute(
            update(accounts)
            .where(accounts.c.account_id == account_id,
                   accounts.c.national_id_key_id == old.key_id,
                   accounts.c.national_id_ciphertext == old.ciphertext)
            .values(national_id_key_id=new.key_id, national_id_ciphertext=new.ciphertext))
        return rows_changed(result) == 1

    def rehash(self, account_id: uuid.UUID, old: bytes, new: bytes) -> bool:
        """False when the row no longer holds ``old``. A ``new`` hash another row holds
        breaks the unique index (IntegrityError): the caller's savepoint takes it."""
        result = self.session.execute(
            update(accounts)
            .where(accounts.c.account_id == account_id, accounts.c.national_id_hash == old)
            .values(national_id_hash=new))
        return rows_changed(result) == 1

    def holder_of(self, lookup_hash: bytes) -> uuid.UUID | None:
        return self.session.scalar(select(accounts.c.account_id).where(
            accounts.c.national_id_hash == lookup_hash))

    def count_under(self, key_id: str) -> int:
        return self.session.scalar(select(func.count()).select_from(accounts).where(
            accounts.c.national_id_key_id == key_id)) or 0

    def count_not_under(self, key_id: str) -> int:
        return self.session.scalar(select(func.count()).select_from(accounts).where(
            accounts.c.national_id_key_id != key_id,
            accounts.c.national_id_ciphertext.is_not(None))) or 0
