"""Demo data for the embedded default (``make up``); never run in production.

* the partner ``demo-partner`` (secret ``demo-partner-secret``, redirect URI
  ``http://127.0.0.1:8765/callback``), enabled;
* the platform's own web client ``web``: public, PKCE, redirect URI
  ``<TOKEN_ISSUER>/auth/callback`` (``http://127.0.0.1:8080/auth/callback`` by default;
  handlers/web_client.py); its access tokens carry the account's roles;
* the seed's partner closed on 2017-04-13, disabled, for the partner list to show one;
* passwords ``demo-<login>`` for the accounts service's demo logins (``teacher00001`` …
  ``teacher00500``, ``biz-<unit>``, ``reviewer-<authority>``, ``operator``).

The demo accounts reach this service as accounts events, while this seed runs: a
background thread watches the replica (up to ``SSO_DEMO_SEED_TIMEOUT_SECONDS``, 60 s)
and sets their passwords as they arrive, so ``make up`` does not wait for it. Argon2
with the configured parameters costs about 0.2 s a hash on two cores — two minutes for
the demo — so demo passwords are hashed with cheap parameters (``DEMO_ARGON2``) on
several threads; the first sign-in of each account replaces its hash with one made with
the configured parameters (handlers/credentials.py).
"""
from __future__ import annotations

import logging
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from sqlalchemy import select

from servicekit.service import Runtime
from services.sso.adapters.clients_repo import ClientRepository
from services.sso.adapters.passwords import hasher_with
from services.sso.adapters.tables.accounts import accounts
from services.sso.adapters.tables.credentials import credentials
from services.sso.config import DEMO_ARGON2
from services.sso.dependencies import SsoDependencies
from services.sso.domain.clients import DISABLED, ENABLED, Client
from services.sso.handlers.credentials import set_passwords
from services.sso.handlers.web_client import ensure_web_client

log = logging.getLogger("sso.seed")

DEMO_LOGIN = re.compile(r"^(teacher\d{5}|biz-[a-z0-9_-]+|reviewer-[a-z0-9_-]+|operator)$")
EXPECTED = ("teacher00001", "teacher00500", "operator")
ALL_SCOPES = ("openid", "profile", "email", "school", "offline_access")

DEMO_CLIENTS = (
    (Client(client_id="demo-partner", name="示範合作網站 Demo partner site", status=ENABLED,
            organisation="Demo", redirect_uris=("http://127.0.0.1:8765/callback",),
            post_logout_redirect_uris=("http://127.0.0.1:8765/",),
            contacts=("partner-contact@example.org",), allowed_scopes=ALL_SCOPES,
            approval_reference="DEMO", approved_on=date(2017, 1, 1)), "demo-partner-secret"),
    (Client(client_id="chiayi-city-elearning", name="嘉義市數位學習平台", status=DISABLED,
            redirect_uris=("https://elearning.chiayi.example/callback",),
            allowed_scopes=("openid",), disabled_on=date(2017, 4, 13),
            disabled_reason="已終止使用教師進修網漫遊合作"), None),
)


def seed_demo(runtime: Runtime) -> threading.Thread | None:
    """Returns the thread that sets the demo passwords (``seed-demo`` waits for it)."""
    if not runtime.settings.embedded:
        return None
    sso = runtime.components
    sso.keys.ensure()
    seed_clients(sso)
    return start_demo_passwords(sso)


def seed_clients(sso: SsoDependencies) -> None:
    ensure_web_client(sso.partners, sso.config.issuer, by="demo-seed")
    for client, secret in DEMO_CLIENTS:
        with sso.database.session() as session:
            exists = ClientRepository(session).get(client.client_id) is not None
        if not exists:
            sso.partners.register(client, by="demo-seed", secret=secret)


def start_demo_passwords(sso: SsoDependencies) -> threading.Thread:
    thread = threading.Thread(target=demo_passwords, args=(sso,), name="sso-demo-passwords",
                              daemon=True)
    thread.start()
    return thread


def demo_passwords(sso: SsoDependencies, poll_seconds: float = 1.0) -> int:
    """Sets ``demo-<login>`` for demo accounts without a password, until the demo set is
    complete and no more arrive, or the timeout; returns how many it set."""
    deadline = time.monotonic() + sso.config.demo_seed_timeout_seconds
    hasher = hasher_with(DEMO_ARGON2)
    total = idle_rounds = 0
    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="sso-demo-hash") as pool:
        while True:
            waiting = _without_password(sso)
            idle_rounds = 0 if waiting else idle_rounds + 1
            if waiting:
                hashes = dict(zip((account_id for account_id, _ in waiting),
                                  pool.map(lambda item: hasher.hash(f"demo-{item[1]}"), waiting), strict=True))
                set_passwords(sso.unit_of_work(), sso.clock, hashes, method="demo-seed")
                total += len(hashes)
            elif (idle_rounds >= 3 and _complete(sso)) or time.monotonic() > deadline:
                break
            time.sleep(poll_seconds)
    log.info("demo passwords set", extra={"accounts": total})
    return total


def _without_password(sso: SsoDependencies) -> list[tuple[str, str]]:
    with sso.database.session() as session:
        rows = session.execute(select(accounts.c.account_id, accounts.c.login)
                               .outerjoin(credentials,
                                          credentials.c.account_id == accounts.c.account_id)
                               .where(credentials.c.account_id.is_(None))).all()
    return [(row.account_id, row.login) for row in rows if DEMO_LOGIN.match(row.login)]


def _complete(sso: SsoDependencies) -> bool:
    with sso.database.session() as session:
        present = set(session.scalars(select(accounts.c.login)
                                      .where(accounts.c.login.in_(EXPECTED))))
    return present == set(EXPECTED)
