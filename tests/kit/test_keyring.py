"""The kit's keyring (servicekit/keyring.py): keys derived from secrets the same way in
every version, values that name their key, retired keys that still open, tampering
refused, and a rotation finished batch by batch."""
from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, LargeBinary, MetaData, String, Table, insert, select, update

from servicekit.db import Database
from servicekit.dml import rows_changed
from servicekit.keyring import (
    NONCE_BYTES,
    CannotOpen,
    Keyring,
    Sealed,
    Tampered,
    UnknownKey,
    derive_key,
    key_id,
    reseal_in_batches,
)

INFO = b"inservice kit keyring test v1"
OLD, NEW, OTHER = "old secret " * 4, "new secret " * 4, "another secret " * 4


def test_derivation_is_hkdf_sha256_as_rfc_5869_test_case_3() -> None:
    # RFC 5869, A.3: IKM = 22 octets of 0x0b, no salt, no info; our keys are its first 32.
    okm = ("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
           "9d201395faa4b61a96c8")
    assert derive_key(bytes([0x0B] * 22), b"").hex() == okm[:64]


def test_derivation_and_key_ids_are_stable_across_versions() -> None:
    """Fixed vectors taken from the code that sealed what is stored today (accounts' vault
    and sso's sealer before the keyring): a change here leaves every stored value sealed."""
    accounts = derive_key("fixed encryption secret",
                          b"inservice accounts national-id encryption v1")
    assert accounts.hex() == "850104ed7053d78ac9c18654a96f01b2b5b66cf44e7324c45d1eb6526d0694f4"
    assert key_id(accounts) == "54e688bf820f"
    sso = derive_key("fixed key-encryption secret", b"inservice-sso sealing v1")
    assert sso.hex() == "6c8d5594398426c95808648b516eea23619d965f3d5b699f88d3b4b4271a28f7"
    assert key_id(sso) == "7c817ccedd8b"
    assert Keyring(b"inservice-sso sealing v1", "fixed key-encryption secret").current_key_id \
        == "7c817ccedd8b"


def test_a_value_sealed_before_opens_and_one_sealed_now_has_the_same_layout() -> None:
    ring = Keyring(b"inservice accounts national-id encryption v1", "fixed encryption secret")
    stored = Sealed("54e688bf820f", bytes.fromhex(
        "000102030405060708090a0b036b9385e330a1d21d00898fa44606bc6d3df75633d33d4d5233"))
    account = b"7c1e0d1a-0000-4000-8000-000000000001"
    assert ring.open(stored, account) == b"A123456789"
    assert ring.seal(b"A123456789", account, bytes(range(12))) == stored


def test_same_secret_for_two_purposes_gives_two_keys() -> None:
    assert Keyring(b"purpose one", OLD).current_key_id != Keyring(b"purpose two", OLD).current_key_id
    assert derive_key(OLD, b"purpose one") != derive_key(OLD, b"purpose two")


def test_sealed_values_open_and_each_has_a_fresh_nonce() -> None:
    ring = Keyring(INFO, NEW)
    first, second = ring.seal(b"secret", b"row 1"), ring.seal(b"secret", b"row 1")
    assert first.key_id == second.key_id == ring.current_key_id
    assert first.ciphertext[:NONCE_BYTES] != second.ciphertext[:NONCE_BYTES]
    assert b"secret" not in first.ciphertext
    assert ring.open(first, b"row 1") == ring.open(second, b"row 1") == b"secret"


def test_a_retired_key_still_opens_what_it_sealed_and_the_current_key_seals() -> None:
    sealed_before = Keyring(INFO, OLD).seal(b"secret", b"row 1")
    rotated = Keyring(INFO, NEW, (OLD,))
    assert rotated.key_ids == (rotated.current_key_id, sealed_before.key_id)
    assert rotated.open(sealed_before, b"row 1") == b"secret"
    assert not rotated.is_current(sealed_before)
    resealed = rotated.reseal(sealed_before, b"row 1")
    assert rotated.is_current(resealed) and resealed.key_id != sealed_before.key_id
    assert Keyring(INFO, NEW).open(resealed, b"row 1") == b"secret"  # the old key can go


def test_a_key_retired_too_early_is_named_not_guessed() -> None:
    sealed_before = Keyring(INFO, OLD).seal(b"secret", b"row 1")
    with pytest.raises(UnknownKey, match=sealed_before.key_id):
        Keyring(INFO, NEW).open(sealed_before, b"row 1")
    with pytest.raises(UnknownKey):
        Keyring(INFO, NEW).reseal(sealed_before, b"row 1")


@pytest.mark.parametrize("tamper", [
    pytest.param(lambda s: Sealed(s.key_id, s.ciphertext[:-1] + bytes([s.ciphertext[-1] ^ 1])),
                 id="tag"),
    pytest.param(lambda s: Sealed(s.key_id, s.ciphertext[:NONCE_BYTES] + bytes(
        [s.ciphertext[NONCE_BYTES] ^ 0x80]) + s.ciphertext[NONCE_BYTES + 1:]), id="body"),
    pytest.param(lambda s: Sealed(s.key_id, bytes([s.ciphertext[0] ^ 1]) + s.ciphertext[1:]),
                 id="nonce"),
    pytest.param(lambda s: Sealed(s.key_id, s.ciphertext[:20]), id="truncated"),
    pytest.param(lambda s: Sealed(s.key_id, b""), id="empty"),
])
def test_tampering_is_refused(tamper) -> None:  # type: ignore[no-untyped-def]
    ring = Keyring(INFO, NEW)
    with pytest.raises(Tampered):
        ring.open(tamper(ring.seal(b"secret", b"row 1")), b"row 1")


def test_a_value_moved_to_another_row_does_not_open() -> None:
    ring = Keyring(INFO, NEW)
    with pytest.raises(Tampered):
        ring.open(ring.seal(b"secret", b"row 1"), b"row 2")


def test_the_text_form_round_trips_and_malformed_text_is_refused() -> None:
    ring = Keyring(INFO, NEW)
    sealed = ring.seal(b"secret", b"row 1")
    text = sealed.as_text()
    assert text.startswith(f"v2.{ring.current_key_id}.") and "=" not in text
    assert Sealed.from_text(text) == sealed
    for bad in ("", "v2", f"v1.{ring.current_key_id}.AAAA.AAAA", "v2.abc.***.AAAA",
                text + ".x"):
        with pytest.raises(Tampered):
            Sealed.from_text(bad)


def test_a_value_stored_without_its_key_id_opens_with_whichever_key_sealed_it() -> None:
    old = Keyring(INFO, OLD).seal(b"secret", b"row 1")
    rotated = Keyring(INFO, NEW, (OLD,))
    assert rotated.open_with_any_key(old.ciphertext, b"row 1") == b"secret"
    with pytest.raises(UnknownKey):
        Keyring(INFO, NEW, (OTHER,)).open_with_any_key(old.ciphertext, b"row 1")


def test_every_refusal_is_a_cannot_open_and_a_value_error() -> None:
    assert issubclass(UnknownKey, CannotOpen) and issubclass(Tampered, CannotOpen)
    assert issubclass(CannotOpen, ValueError) and issubclass(UnknownKey, LookupError)


SECRETS = Table("secrets", MetaData(), Column("id", Integer, primary_key=True),
                Column("key_id", String(12), nullable=False),
                Column("sealed", LargeBinary, nullable=False))


@pytest.fixture
def database(tmp_path):  # type: ignore[no-untyped-def]
    made = Database(f"sqlite:///{tmp_path / 'secrets.sqlite3'}")
    SECRETS.metadata.create_all(made.engine)
    yield made
    made.dispose()


def test_a_rotation_reseals_in_batches_keeps_changes_made_meanwhile_and_names_the_unreadable(
        database: Database) -> None:
    old, lost, rotated = Keyring(INFO, OLD), Keyring(INFO, OTHER), Keyring(INFO, NEW, (OLD,))
    rows = {n: (lost if n == 5 else rotated if n == 2 else old).seal(f"s{n}".encode(),
                                                                     str(n).encode())
            for n in range(1, 9)}
    with database.session() as session:
        session.execute(insert(SECRETS), [{"id": n, "key_id": s.key_id, "sealed": s.ciphertext}
                                          for n, s in rows.items()])
    pages: list[list[int]] = []

    def page(session, after, limit):  # type: ignore[no-untyped-def]
        query = (select(SECRETS).where(SECRETS.c.key_id != rotated.current_key_id)
                 .order_by(SECRETS.c.id).limit(limit))
        found = list(session.execute(query if after is None else query.where(SECRETS.c.id > after)))
        pages.append([row.id for row in found])
        if any(row.id == 7 for row in found):  # another change rewrites row 7 after the read
            session.execute(update(SECRETS).where(SECRETS.c.id == 7).values(
                key_id=rotated.current_key_id,
                sealed=rotated.seal(b"edited", b"7").ciphertext))
        return found

    def replace(session, row, new: Sealed) -> bool:  # type: ignore[no-untyped-def]
        return rows_changed(session.execute(
            update(SECRETS).where(SECRETS.c.id == row.id, SECRETS.c.sealed == row.sealed)
            .values(key_id=new.key_id, sealed=new.ciphertext))) == 1

    run = reseal_in_batches(
        database, 3, page=page, key=lambda row: row.id, replace=replace,
        reseal=lambda row: rotated.reseal(Sealed(row.key_id, row.sealed), str(row.id).encode()))

    assert pages == [[1, 3, 4], [5, 6, 7], [8]]  # keyset pages; row 2 was current already
    assert (run.rewritten, run.changed_meanwhile, run.unreadable) == (5, 1, 1)
    assert run.unreadable_ids == ["5"]
    with database.session() as session:
        stored = {row.id: row for row in session.execute(select(SECRETS))}
    assert Keyring(INFO, NEW).open(Sealed(stored[7].key_id, stored[7].sealed), b"7") == b"edited"
    for n in (1, 2, 3, 4, 6, 8):  # readable with the new secret alone
        assert Keyring(INFO, NEW).open(Sealed(stored[n].key_id, stored[n].sealed),
                                       str(n).encode()) == f"s{n}".encode()
    assert stored[5].sealed == rows[5].ciphertext  # left as it was
