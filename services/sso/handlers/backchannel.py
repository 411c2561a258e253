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
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from servicekit.after_commit import run_after_commit
from services.sso.adapters.keys import Signer
from services.sso.adapters.orm import logout_deliveries
from services.sso.context import LOGOUT_TOKEN_SECONDS, Sso
from services.sso.domain.clients import Client

log = logging.getLogger("sso.backchannel")

EVENT = "http://schemas.openid.net/event/backchannel-logout"
MAX_ATTEMPTS = 5


def queue_logout(session: Session, sso: Sso, client: Client, account_id: str,
                 sid: str | None) -> int | None:
    """The delivery's id, for ``deliver`` after the commit; None when the client did not
    register for back-channel logout."""
    if not client.backchannel_logout_uri:
        return None
    return session.execute(insert(logout_deliveries).values(
        client_id=client.client_id, uri=client.backchannel_logout_uri,
        subject=client.subject_for(sso.config.pairwise_secret, account_id), sid=sid,
        created_at=sso.now(), attempts=0).returning(logout_deliveries.c.id)).scalar_one()


def deliver_after_commit(session: Session, sso: Sso, ids: list[int | None]) -> None:
    """Sends ``ids`` once ``session``'s outermost transaction commits, without waiting for
    them (servicekit/after_commit.py); a crash before sending leaves the rows to the
    housekeeping's retry."""
    run_after_commit(session, "backchannel-logout", lambda wanted: deliver(sso, wanted), ids)


def logout_token(signer: Signer, sso: Sso, client_id: str, subject: str, sid: str | None) -> str:
    now = int(time.time())
    claims = {"iss": sso.config.issuer, "aud": client_id, "iat": now,
              "exp": now + LOGOUT_TOKEN_SECONDS, "jti": str(uuid.uuid4()), "sub": subject,
              "events": {EVENT: {}}}
    if sid:
        claims["sid"] = sid
    return signer.sign(claims, typ="logout+jwt")


def deliver(sso: Sso, ids: Sequence[int | None] | None = None, limit: int = 200) -> int:
    """Sends the deliveries named (all that wait, when ``ids`` is None), several at once
    so one partner that does not answer does not hold up the others; returns how many
    were delivered."""
    wanted = [i for i in ids if i is not None] if ids is not None else None
    if wanted == []:
        return 0
    query = select(logout_deliveries).where(logout_deliveries.c.sent_at.is_(None),
                                            logout_deliveries.c.attempts < MAX_ATTEMPTS)
    if wanted is not None:
        query = query.where(logout_deliveries.c.id.in_(wanted))
    with sso.database.session() as session:
        rows = session.execute(query.order_by(logout_deliveries.c.id).limit(limit)).all()
    if not rows:
        return 0
    signer = sso.keys.signer()
    with ThreadPoolExecutor(max_workers=min(8, len(rows))) as pool:
        errors = list(pool.map(lambda row: _post(sso, row.uri, logout_token(
            signer, sso, row.client_id, row.subject, row.sid)), rows))
    with sso.database.session() as session:
        for row, error in zip(rows, errors, strict=True):
            session.execute(update(logout_deliveries).where(logout_deliveries.c.id == row.id)
                            .values(attempts=row.attempts + 1, last_error=error,
                                    sent_at=None if error else sso.now()))
    return sum(error is None for error in errors)


def _post(sso: Sso, uri: str, token: str) -> str | None:
    try:
        response = requests.post(uri, data={"logout_token": token},
                                 timeout=sso.config.outgoing_timeout_seconds,
                                 allow_redirects=False)
    except requests.RequestException as error:
        log.warning("back-channel logout not delivered", extra={"uri": uri, "error": repr(error)})
        return f"{type(error).__name__}"[:500]
    if response.status_code not in (200, 204):
        return f"HTTP {response.status_code}"
    return None
