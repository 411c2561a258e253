"""What accounts stored before the kit's keyring still opens and still matches (R-ACC-1):
the ciphertext and hash below were made by the earlier vault and kept as they are."""
from __future__ import annotations

import pytest

from servicekit.keyring import Sealed
from services.accounts.adapters.national_id_vault import NationalIdVault, UnknownKey

ACCOUNT = "7c1e0d1a-0000-4000-8000-000000000001"
STORED = Sealed("54e688bf820f", bytes.fromhex(
    "000102030405060708090a0b036b9385e330a1d21d00898fa44606bc6d3df75633d33d4d5233"))
STORED_HASH = "d65cb4cdc862c35778dc90501be2fc1fb686b109e500a474c8ec26dbd4c5f1e0"


def test_a_national_id_sealed_and_hashed_before_the_keyring_opens_and_matches() -> None:
    vault = NationalIdVault("fixed hash secret", "fixed encryption secret")
    assert vault.current_key_id == STORED.key_id
    assert vault.open(ACCOUNT, STORED) == "A123456789"
    assert vault.lookup_hash("A123456789").hex() == STORED_HASH
    assert vault.lookup_hash_many(["A123456789"])[0].hex() == STORED_HASH
    assert vault.seal(ACCOUNT, "A123456789", bytes(range(12))) == STORED


def test_it_opens_under_a_retired_key_and_not_on_another_account() -> None:
    rotated = NationalIdVault("fixed hash secret", "a new encryption secret " * 2,
                              ("fixed encryption secret",))
    assert rotated.open(ACCOUNT, STORED) == "A123456789"
    assert rotated.reseal(ACCOUNT, STORED).key_id == rotated.current_key_id != STORED.key_id
    with pytest.raises(UnknownKey):
        rotated.open("7c1e0d1a-0000-4000-8000-000000000002", STORED)
    with pytest.raises(UnknownKey):
        NationalIdVault("fixed hash secret", "a new encryption secret " * 2).open(ACCOUNT, STORED)
