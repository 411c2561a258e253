"""The embedded platform behind its gateway on free ports, with the web client at "/", for
the web client's end-to-end tests; and a sign-in through the web client's own pages."""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from launcher.embedded import EmbeddedPlatform
from launcher.registry import DEFINITIONS
from servicekit.service import Runtime
from servicekit.settings import SERVICE_PORTS, Settings
from servicekit.testing.processes import free_port
from servicekit.testing.runtimes import purge_queues
from services.sso.adapters.accounts_repo import AccountRepository
from services.sso.handlers.credentials import has_password, set_passwords

# Demo logins (services/accounts seed) and their demo passwords (services/sso/seed.py).
TEACHER = ("teacher00001", "demo-teacher00001")
OTHER_TEACHER = ("teacher00002", "demo-teacher00002")
_HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')


@dataclass
class WebPlatform:
    platform: EmbeddedPlatform
    url: str

    def runtime(self, name: str) -> Runtime:
        [found] = [runtime for runtime in self.platform.runtimes
                   if runtime.definition.name == name]
        return found

    def ensure_password(self, login: str, password: str, wait_seconds: float = 60) -> str:
        """The demo seed sets demo passwords in the background; a sign-in before would
        count as a failure. Sets the same one as soon as the account is there."""
        sso = self.runtime("sso").components
        deadline = time.monotonic() + wait_seconds
        while True:
            with sso.database.session() as session:
                account = AccountRepository(session).by_login(login)
            if account is not None:
                break
            assert time.monotonic() < deadline, f"{login} never reached the sso service"
            time.sleep(0.1)
        if not has_password(sso.unit_of_work(), account.account_id):
            set_passwords(sso.unit_of_work(), sso.clock,
                          {account.account_id: sso.passwords.hash(password)}, method="setup")
        return str(account.account_id)

    def signed_in(self, login: str, password: str, next_page: str = "/") -> requests.Session:
        """A browser's cookies after signing in through the web client (code + PKCE)."""
        self.ensure_password(login, password)
        browser = requests.Session()
        page = browser.get(f"{self.url}/auth/login", params={"next": next_page}, timeout=15)
        assert page.status_code == 200 and "password" in page.text, page.text[:300]
        landed = browser.post(page.url.split("?")[0], timeout=15, data={
            **dict(_HIDDEN.findall(page.text)), "username": login, "password": password})
        assert landed.status_code == 200, (landed.status_code, landed.url, landed.text[-1200:])
        assert landed.url.startswith(self.url + next_page.split("?")[0]), landed.url
        return browser

    def stop(self) -> None:
        self.platform.shutdown()
        _purge(self.platform.environ)


def start(data_dir: Path, settings: dict[str, str] | None = None) -> WebPlatform:
    """``settings``: more of the platform's settings, over the defaults below."""
    ports = {name: free_port() for name in SERVICE_PORTS}
    environ = {"DATA_DIR": str(data_dir), "LOG_LEVEL": os.environ.get("WEB_TEST_LOG_LEVEL", "CRITICAL"),
               "PUBLIC_URL": f"http://127.0.0.1:{ports['gateway']}",
               "GATEWAY_RATE_LIMIT_AUTHENTICATED": "1000000/minute",
               "GATEWAY_RATE_LIMIT_ANONYMOUS": "1000000/minute",
               "SSO_ARGON2_TIME_COST": "1", "SSO_ARGON2_MEMORY_KIB": "1024",
               "SSO_ARGON2_PARALLELISM": "1"}
    for name, port in ports.items():
        environ[f"{name.upper()}_HTTP_PORT"] = str(port)
        if name != "gateway":
            environ[f"{name.upper()}_URL"] = f"http://127.0.0.1:{port}"
    environ.update(settings or {})
    _purge(environ)
    platform = EmbeddedPlatform(environ)
    url = platform.start()
    return WebPlatform(platform, url)


def _purge(environ: dict[str, str]) -> None:
    for definition in DEFINITIONS:
        purge_queues(Runtime(definition, Settings.from_env(definition.name, environ)))
