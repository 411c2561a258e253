"""Settings a service reads beyond the kit's own: secrets, read the same wherever they are
written (the current one, or among the earlier ones of a rotation), and positive numbers."""
from __future__ import annotations

import pytest

from servicekit.settings import InvalidSetting, MissingSecret, Settings

PRODUCTION = {"MODE": "production", "DATABASE_URL": "sqlite://", "TOKEN_ISSUER": "https://inservice.test",
              "JWKS_URL": "http://127.0.0.1:9/jwks.json"}


def test_a_secret_is_the_same_with_a_files_last_newline_or_in_a_list_of_earlier_ones() -> None:
    settings = Settings.from_env("accounts", {**PRODUCTION, "ACCOUNTS_SOME_KEY": "s3cret-value\n",
                                              "ACCOUNTS_OLD_KEYS": " old-1 ,, old-2\n"})
    assert settings.secret("SOME_KEY") == "s3cret-value"
    assert settings.earlier_secrets("OLD_KEYS") == ("old-1", "old-2")
    assert settings.earlier_secrets("NONE_SET") == ()
    with pytest.raises(MissingSecret):
        Settings.from_env("accounts", {**PRODUCTION, "ACCOUNTS_SOME_KEY": "  "}).secret("SOME_KEY")


def test_a_positive_number_is_a_whole_number_of_at_least_one() -> None:
    def read(raw: str | None) -> int:
        environ = {} if raw is None else {"ACCOUNTS_SOME_DAYS": raw}
        return Settings.from_env("accounts", {**PRODUCTION, **environ}).positive_int("SOME_DAYS", 30)
    assert (read(None), read(""), read("7")) == (30, 30, 7)
    for wrong, why in (("a year", "a whole number"), ("0", "0 is not a positive number"), ("-3", "positive")):
        with pytest.raises(InvalidSetting) as refused:
            read(wrong)
        assert "ACCOUNTS_SOME_DAYS" in str(refused.value) and why in str(refused.value)
