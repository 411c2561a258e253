"""R-ACC-1: national IDs and resident certificate numbers validated by their check digit,
kept only as a keyed hash and an AES-GCM ciphertext bound to its account."""
from __future__ import annotations

import pytest

from services.accounts.adapters.national_id_vault import NationalIdVault, Sealed, UnknownKey
from services.accounts.domain import national_id
from services.accounts.domain.national_id import (
    CITIZEN,
    RESIDENT,
    RESIDENT_OLD,
    InvalidNationalId,
    kind_of,
    validate,
)


@pytest.mark.parametrize("number, kind", [
    ("A123456789", CITIZEN),  # the textbook example
    ("A223456781", CITIZEN),
    ("F131104093", CITIZEN),
    ("A800000014", RESIDENT),  # the National Immigration Agency's example of the 2021 format
    ("AA00000009", RESIDENT_OLD),  # the usual example of the older two-letter format
    ("FA12345689", RESIDENT_OLD),
])
def test_valid_numbers_of_every_shape(number: str, kind: str) -> None:
    assert kind_of(number) == kind
    assert validate(number) == number


@pytest.mark.parametrize("typed", ["a123456789", " A123456789 ", "Ａ１２３４５６７８９"])
def test_what_people_type_is_normalised(typed: str) -> None:
    assert validate(typed) == "A123456789"


@pytest.mark.parametrize("number, reason", [
    ("A123456788", "the check digit does not match"),
    ("A800000015", "the check digit does not match"),
    ("AA00000008", "the check digit does not match"),
    ("A323456789", "the second character must be 1, 2, 8, 9 or A–D"),
    ("AE00000009", "the second character must be 1, 2, 8, 9 or A–D"),
    ("1234567890", "must start with a letter"),
    ("A12345678", "must be 10 characters"),
    ("A1234567890", "must be 10 characters"),
    ("A1234567X9", "the last eight characters must be digits"),
    ("", "must be 10 characters"),
])
def test_invalid_numbers_say_why_without_repeating_the_number(number: str, reason: str) -> None:
    with pytest.raises(InvalidNationalId) as refused:
        validate(number)
    assert refused.value.reason == reason
    assert not number or number not in str(refused.value)


def test_every_letter_of_the_alphabet_has_its_code() -> None:
    assert len(national_id.LETTER_CODES) == 26
    assert national_id.LETTER_CODES["I"] == 34 and national_id.LETTER_CODES["O"] == 35
    assert national_id.LETTER_CODES["W"] == 32 and national_id.LETTER_CODES["Z"] == 33


def test_check_digits_can_be_computed_for_synthetic_data() -> None:
    assert national_id.with_check_digit("A12345678") == "A123456789"
    assert national_id.with_check_digit("A80000001") == "A800000014"


def test_the_hash_finds_the_person_and_the_ciphertext_opens_only_for_its_account() -> None:
    vault = NationalIdVault("hash secret " * 4, "encryption secret " * 4)
    assert vault.lookup_hash("A123456789") == vault.lookup_hash("A123456789")
    assert vault.lookup_hash("A123456789") != vault.lookup_hash("A223456781")
    assert len(vault.lookup_hash("A123456789")) == 32
    sealed = vault.seal("account-1", "A123456789")
    assert b"A123456789" not in sealed.ciphertext
    assert vault.open("account-1", sealed) == "A123456789"
    assert sealed.ciphertext != vault.seal("account-1", "A123456789").ciphertext  # fresh nonce
    with pytest.raises(UnknownKey):
        vault.open("account-2", sealed)  # copied onto another row, it does not open


def test_another_hash_key_gives_other_hashes() -> None:
    one = NationalIdVault("hash secret one " * 3, "encryption " * 4)
    two = NationalIdVault("hash secret two " * 3, "encryption " * 4)
    assert one.lookup_hash("A123456789") != two.lookup_hash("A123456789")


def test_a_rotated_key_still_opens_what_the_old_one_sealed() -> None:
    old = NationalIdVault("hash " * 8, "old encryption secret " * 3)
    sealed = old.seal("account-1", "A123456789")
    rotated = NationalIdVault("hash " * 8, "new encryption secret " * 3,
                              retired_secrets=("old encryption secret " * 3,))
    assert rotated.current_key_id != sealed.key_id
    assert rotated.seal("account-1", "A123456789").key_id == rotated.current_key_id
    assert rotated.open("account-1", sealed) == "A123456789"
    forgotten = NationalIdVault("hash " * 8, "new encryption secret " * 3)
    with pytest.raises(UnknownKey):
        forgotten.open("account-1", sealed)
    with pytest.raises(UnknownKey):
        rotated.open("account-1", Sealed("000000000000", sealed.ciphertext))
