"""The web client through Flask's test client, on fakes of the API, the sso and the session
store (tests/web_client/web_fakes.py): unit tests, no socket, no database."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from web_fakes import FakeApi, FakeProvider, MemoryStore

from servicekit.settings import Settings
from web.app import create_app

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Site:
    app: Flask
    browser: FlaskClient
    api: FakeApi
    provider: FakeProvider
    store: MemoryStore

    def sign_in(self, roles: list[str], unit: str | None = None,
                authority: str | None = None, next_page: str = "/") -> None:
        self.provider.roles, self.provider.unit, self.provider.authority = roles, unit, authority
        started = self.browser.get("/auth/login", query_string={"next": next_page})
        assert started.status_code == 302
        code, state = self.provider.issue_code()
        back = self.browser.get("/auth/callback", query_string={"code": code, "state": state})
        assert back.status_code == 302, back.get_data(as_text=True)

    def csrf(self, page: str) -> str:
        html = self.browser.get(page).get_data(as_text=True)
        return CSRF.findall(html)[0]

    def text(self, path: str, **kwargs: Any) -> str:
        return self.browser.get(path, **kwargs).get_data(as_text=True)


@pytest.fixture
def site(tmp_path: Path) -> Site:
    api, provider, store = FakeApi(), FakeProvider(), MemoryStore()
    settings = Settings.from_env("web", {"DATA_DIR": str(tmp_path), "LOG_LEVEL": "WARNING",
                                         "PUBLIC_URL": "http://platform.test"})
    app = create_app(settings, api=api, provider=provider, store=store)  # type: ignore[arg-type]
    return Site(app, app.test_client(), api, provider, store)
