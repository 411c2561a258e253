"""The handover rule of machine clients (R-TRF-8): one secret in force at any moment,
switching exactly at the handover; a handover set for now or later, one at a time."""
from datetime import UTC, datetime, timedelta

import pytest

from services.sso.domain.machine_clients import (
    MachineClientError,
    MachineSecret,
    check_handover,
    client_id_for,
    granted_scopes,
    secret_in_force,
)

START = datetime(2013, 3, 1, tzinfo=UTC)
MOMENT = datetime(2013, 4, 1, 0, 0, tzinfo=UTC)
OLD = MachineSecret(1, "source-a", "old", "甲公司", START, MOMENT)
NEW = MachineSecret(2, "source-a", "new", "乙公司", MOMENT)


def test_the_old_secret_until_the_moment_and_the_new_one_from_it() -> None:
    assert secret_in_force([OLD, NEW], START - timedelta(seconds=1)) is None
    assert secret_in_force([OLD, NEW], MOMENT - timedelta(microseconds=1)) == OLD
    assert secret_in_force([OLD, NEW], MOMENT) == NEW
    assert secret_in_force([OLD, NEW], MOMENT + timedelta(days=900)) == NEW


def test_a_handover_is_refused_in_the_past_twice_or_before_the_secret_began() -> None:
    open_ended = MachineSecret(1, "source-a", "old", "甲公司", START)
    check_handover(open_ended, MOMENT, START + timedelta(days=1))
    with pytest.raises(MachineClientError, match="now or a later"):
        check_handover(open_ended, START + timedelta(days=1), START + timedelta(days=2))
    with pytest.raises(MachineClientError, match="already set"):
        check_handover(OLD, MOMENT + timedelta(days=1), START)
    with pytest.raises(MachineClientError, match="no secret"):
        check_handover(None, MOMENT, START)


def test_only_the_transfer_scope_and_source_codes_of_the_house() -> None:
    assert granted_scopes(None) == ("transfer",)
    assert granted_scopes("transfer") == ("transfer",)
    with pytest.raises(MachineClientError):
        granted_scopes("transfer openid")
    assert client_id_for("kh-edu") == "source-kh-edu"
    for bad in ("A", "x", "with space", "../etc", "a" * 33):
        with pytest.raises(MachineClientError):
            client_id_for(bad)
