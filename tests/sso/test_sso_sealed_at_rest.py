"""What sso sealed before the kit's keyring still opens (R-SSO-*: signing keys and county
credentials at rest): the value below was sealed by the earlier sealer and kept as is."""
from __future__ import annotations

import pytest

from services.sso.adapters.sealing import Sealer, UnknownSealingKey

SECRET = "fixed key-encryption secret"
STORED = "v2.7c817ccedd8b.uiBGIBBfLW36-57P.HMpo2jkpaqIDR50Ujto-y40eyLNgOMy4wYzGGi77q5iOXOzg"


def test_a_secret_sealed_before_the_keyring_opens_and_reseals() -> None:
    sealer = Sealer(SECRET)
    assert sealer.current_key_id == "7c817ccedd8b" and sealer.is_current(STORED)
    assert sealer.open(STORED, "county:TPE") == b"county client secret"
    rotated = Sealer("a new key-encryption secret " * 2, (SECRET,))
    resealed = rotated.reseal(STORED, "county:TPE")
    assert rotated.is_current(resealed) and not rotated.is_current(STORED)
    assert Sealer("a new key-encryption secret " * 2).open(resealed, "county:TPE") \
        == b"county client secret"


def test_a_value_for_another_purpose_or_changed_or_malformed_does_not_open() -> None:
    sealer = Sealer(SECRET)
    changed = STORED[:-2] + ("A" if STORED[-2] != "A" else "B") + STORED[-1]
    for token, purpose in ((STORED, "county:TXG"), (changed, "county:TPE"),
                           ("v2.7c817ccedd8b.not*base64.x", "county:TPE"),
                           ("v9.something", "county:TPE"), ("", "county:TPE")):
        with pytest.raises(ValueError):
            sealer.open(token, purpose)
    with pytest.raises(UnknownSealingKey):
        Sealer("another secret " * 3).open(STORED, "county:TPE")
