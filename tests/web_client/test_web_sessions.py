"""Issue 14 point 1: the web client's server-side sessions on SQLite (the embedded
default), and the settings production must give."""
from __future__ import annotations

import pytest

from servicekit.settings import MissingSetting, Settings
from web.sessions import SqliteStore, store_for
from web.settings import WebSettings

pytestmark = pytest.mark.integration  # a SQLite file


def test_a_session_lives_its_time_and_no_longer(tmp_path) -> None:
    now = [1000.0]
    store = SqliteStore(tmp_path / "sessions.sqlite3", clock=lambda: now[0])
    store.save("a" * 43, {"tokens": {"access_token": "x"}}, seconds=60)
    assert store.load("a" * 43) == {"tokens": {"access_token": "x"}}
    now[0] += 61
    assert store.load("a" * 43) is None
    store.save("b" * 43, {"n": 1}, seconds=60)  # and the expired row is tidied meanwhile
    assert store.load("a" * 43) is None and store.load("b" * 43) == {"n": 1}
    store.delete("b" * 43)
    assert store.load("b" * 43) is None


def test_two_processes_see_the_same_sessions(tmp_path) -> None:
    path = tmp_path / "sessions.sqlite3"
    SqliteStore(path).save("c" * 43, {"person": {"roles": ["teacher"]}}, seconds=60)
    assert store_for(f"sqlite:///{path}").load("c" * 43) == {"person": {"roles": ["teacher"]}}


def test_production_needs_a_shared_session_store_and_a_session_key(tmp_path) -> None:
    production = {"DATA_DIR": str(tmp_path), "MODE": "production",
                  "TOKEN_ISSUER": "https://inservice.example.org",
                  "JWKS_URL": "http://sso-web:8103/jwks.json"}
    with pytest.raises(MissingSetting, match="WEB_SESSION_STORE"):
        WebSettings.from_settings(Settings.from_env("web", production))
    settings = WebSettings.from_settings(Settings.from_env(
        "web", {**production, "WEB_SESSION_STORE": "redis://redis:6379/1"}))
    assert settings.secure_cookies and settings.redirect_uri == \
        "https://inservice.example.org/auth/callback"
    with pytest.raises(MissingSetting, match="WEB_SESSION_KEY"):
        settings.session_key()
    with pytest.raises(ValueError, match="WEB_SESSION_STORE"):
        store_for("memcached://x")
