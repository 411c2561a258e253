"""Back-channel logout (OpenID Connect Back-Channel Logout 1.0): when a session ends or a
partner is disabled, every client that registered a ``backchannel_logout_uri`` and held
a grant is told, server to server, with a signed logout token.

Deliveries are rows written in the transaction that ended the grants, sent after its
commit on a background thread — a partner that does not answer never holds up the
person logging out, the operator, or the event consumer — and retried by the scheduled
housekeeping while they fail (up to ``MAX_ATTEMPTS``)."""
from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests

from servicekit.clock import Clock
from services.sso.adapters.keys import KeyStore, Signer
from services.sso.adapters.unit_of_work import SsoWork
from services.sso.config import SsoConfig
from services.sso.domain.clients import Client

log = logging.getLogger("sso.backchannel")

EVENT = "http://schemas.openid.net/event/backchannel-logout"
MAX_ATTEMPTS = 5
LOGOUT_TOKEN_SECONDS = 120


@dataclass(frozen=True)
class LogoutSender:
    """What sending logout tokens takes: a unit of work per transaction, the signing keys,
    the settings (issuer, pairwise key, timeout) and the clock."""
    unit_of_work: Callable[[], SsoWork]
    keys: KeyStore
    config: SsoConfig
    clock: Clock

    def queue(self, uow: SsoWork, client: Client, account_id: str, sid: str | None) -> int | None:
        """The delivery's id, for ``deliver`` after the commit; None when the client did
        not register for back-channel logout."""
        if not client.backchannel_logout_uri:
            return None
        return uow.logout_deliveries.add(
            client.client_id, client.backchannel_logout_uri,
            client.subject_for(self.config.pairwise_secret, account_id), sid, self.clock.now())

    def deliver_after_commit(self, uow: SsoWork, ids: list[int | None]) -> None:
        """Sends ``ids`` once ``uow`` commits, without waiting for them; a crash before
        sending leaves the rows to the housekeeping's retry."""
        uow.after_commit("backchannel-logout", self.deliver, ids)

    def deliver(self, ids: Sequence[int | None] | None = None, limit: int = 200) -> int:
        """Sends the deliveries named (all that wait, when ``ids`` is None), several at
        once so one partner that does not answer does not hold up the others; returns how
        many were delivered."""
        wanted = [i for i in ids if i is not None] if ids is not None else None
        if wanted == []:
            return 0
        with self.unit_of_work() as uow:
            rows = uow.logout_deliveries.waiting(wanted, MAX_ATTEMPTS, limit)
        if not rows:
            return 0
        signer = self.keys.signer()
        with ThreadPoolExecutor(max_workers=min(8, len(rows))) as pool:
            errors = list(pool.map(lambda row: _post(self.config, row.uri, logout_token(
                signer, self.config, row.client_id, row.subject, row.sid)), rows))
        with self.unit_of_work() as uow:
            for row, error in zip(rows, errors, strict=True):
                uow.logout_deliveries.attempted(row.id, row.attempts + 1, error,
                                                None if error else self.clock.now())
        return sum(error is None for error in errors)


def logout_token(signer: Signer, config: SsoConfig, client_id: str, subject: str,
                 sid: str | None) -> str:
    now = int(time.time())
    claims = {"iss": config.issuer, "aud": client_id, "iat": now,
              "exp": now + LOGOUT_TOKEN_SECONDS, "jti": str(uuid.uuid4()), "sub": subject,
              "events": {EVENT: {}}}
    if sid:
        claims["sid"] = sid
    return signer.sign(claims, typ="logout+jwt")


def _post(config: SsoConfig, uri: str, token: str) -> str | None:
    try:
        response = requests.post(uri, data={"logout_token": token},
                                 timeout=config.outgoing_timeout_seconds,
                                 allow_redirects=False)
    except requests.RequestException as error:
        log.warning("back-channel logout not delivered", extra={"uri": uri, "error": repr(error)})
        return f"{type(error).__name__}"[:500]
    if response.status_code not in (200, 204):
        return f"HTTP {response.status_code}"
    return None
