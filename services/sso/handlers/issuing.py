"""What a grant issues: an access token (a JWT), an id token for the client, and a
refresh token when the grant may be refreshed (``Client.refreshes``).

Every grant has an end (``grant_end``): ``GRANT_MAX_SECONDS`` after it was made however
often its refresh tokens rotate, and for the platform's own client the end of the browser
session it was made in. No token it issues outlives that end.

The platform's own clients (``PLATFORM_CLIENTS``) get access tokens for the API's audience,
with the account id and the account's roles, unit and authority, which the gateway and the
services authorise on. Partner sites get their pairwise ``sub`` everywhere, no roles, and
an access token whose audience is the userinfo endpoint: it opens userinfo and nothing of
the API (the platform's verifiers refuse its audience and its ``client_id``).
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from authlib.oidc.core.util import create_half_hash
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from servicekit.dml import rows_changed
from services.sso.adapters.digests import digest, new_token
from services.sso.adapters.keys import Signer
from services.sso.adapters.tables.grants import grants, refresh_tokens
from services.sso.adapters.tables.sessions import browser_sessions
from services.sso.dependencies import SsoDependencies
from services.sso.domain.accounts import Account
from services.sso.domain.clients import Client


@dataclass(frozen=True)
class Grant:
    grant_id: str
    client_id: str
    account_id: str
    sid: str | None
    scopes: tuple[str, ...]
    auth_time: datetime
    amr: str
    ends_at: datetime  # nothing it issues outlives this (``grant_end``)


def grant_end(session: Session, sso: SsoDependencies, client: Client, sid: str | None,
              created_at: datetime) -> datetime | None:
    """The latest a grant made at ``created_at`` may last: ``GRANT_MAX_SECONDS`` however
    often it is refreshed, and for the platform's own client no longer than the browser
    session it was made in. None: that session is over (ended or expired) already."""
    end = created_at + timedelta(seconds=sso.config.grant_max_seconds)
    if client.session_bound:
        s = browser_sessions.c
        session_end = session.scalar(select(s.expires_at).where(
            s.sid == sid, s.ended_at.is_(None))) if sid else None
        if session_end is None or session_end <= sso.clock.now():
            return None
        end = min(end, session_end)
    return end


def new_grant(session: Session, sso: SsoDependencies, client: Client, account: Account, sid: str,
              scopes: tuple[str, ...], auth_time: datetime, amr: str) -> Grant | None:
    """None when the browser session a platform client's grant would belong to is over."""
    now = sso.clock.now()
    ends_at = grant_end(session, sso, client, sid, now)
    if ends_at is None:
        return None
    grant = Grant(str(uuid.uuid4()), client.client_id, account.account_id, sid, scopes,
                  auth_time, amr, ends_at)
    # Until a refresh token extends it: a grant without one is over with its access token.
    session.execute(insert(grants).values(
        grant_id=grant.grant_id, client_id=client.client_id, account_id=account.account_id,
        sid=sid, scope=" ".join(scopes), auth_time=auth_time, amr=amr, created_at=now,
        expires_at=min(ends_at, now + timedelta(seconds=sso.config.access_token_seconds))))
    return grant


def token_response(session: Session, sso: SsoDependencies, signer: Signer, client: Client, account: Account,
                   grant: Grant, nonce: str | None = None,
                   refresh: bool = False) -> dict[str, Any]:
    """``signer``: taken before the transaction (KeyStore.signer). ``refresh``: whether a
    refresh token comes too (``Client.refreshes`` of the grant's scopes)."""
    lifetime = _seconds_left(sso, grant, sso.config.access_token_seconds)
    access_token = _access_token(sso, signer, client, account, grant, lifetime)
    answer: dict[str, Any] = {"access_token": access_token, "token_type": "Bearer",
                              "expires_in": lifetime, "scope": " ".join(grant.scopes)}
    if "openid" in grant.scopes:
        answer["id_token"] = _id_token(sso, signer, client, account, grant, access_token, nonce)
    if refresh:
        answer["refresh_token"] = _refresh_token(session, sso, grant)
    return answer


def _seconds_left(sso: SsoDependencies, grant: Grant, at_most: int) -> int:
    return max(1, min(at_most, int((grant.ends_at - sso.clock.now()).total_seconds())))


def _access_token(sso: SsoDependencies, signer: Signer, client: Client, account: Account, grant: Grant,
                  lifetime: int) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": sso.config.issuer, "aud": _audience(sso, client),
        "sub": client.subject_for(sso.config.pairwise_secret, account.account_id),
        "iat": now, "exp": now + lifetime, "jti": new_token(16),
        "client_id": client.client_id, "scope": " ".join(grant.scopes), "gid": grant.grant_id,
        "roles": [],
    }
    if not client.pairwise:
        claims["roles"] = account.roles()
        for name, value in (("unit", account.unit()), ("authority", account.authority())):
            if value:
                claims[name] = value
    return signer.sign(claims, typ="at+jwt")


def _audience(sso: SsoDependencies, client: Client) -> str:
    if not client.pairwise and client.client_id in sso.config.platform_clients:
        return sso.config.api_audience
    return sso.config.userinfo_audience


def _id_token(sso: SsoDependencies, signer: Signer, client: Client, account: Account, grant: Grant,
              access_token: str, nonce: str | None) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": sso.config.issuer, "aud": client.client_id, "azp": client.client_id,
        "sub": client.subject_for(sso.config.pairwise_secret, account.account_id),
        "iat": now, "exp": now + sso.config.id_token_seconds,
        "auth_time": int(grant.auth_time.timestamp()), "amr": [grant.amr],
        "at_hash": _at_hash(access_token),
    }
    if grant.sid:
        claims["sid"] = grant.sid
    if nonce:
        claims["nonce"] = nonce
    return signer.sign(claims)


def _refresh_token(session: Session, sso: SsoDependencies, grant: Grant) -> str:
    token, now = new_token(), sso.clock.now()
    expires = min(grant.ends_at, now + timedelta(seconds=sso.config.refresh_token_seconds))
    session.execute(insert(refresh_tokens).values(
        token_hash=digest(token), grant_id=grant.grant_id, issued_at=now, expires_at=expires))
    session.execute(update(grants).where(grants.c.grant_id == grant.grant_id)
                    .values(expires_at=expires))
    return token


def _at_hash(access_token: str) -> str:
    half = create_half_hash(access_token, "RS256")
    if half is None:  # authlib answers None only for an algorithm it does not know
        raise ValueError("no half hash for RS256")
    return half.decode()


def revoke_grant(session: Session, sso: SsoDependencies, grant_id: str, reason: str) -> bool:
    return rows_changed(session.execute(update(grants).where(grants.c.grant_id == grant_id,
                                                grants.c.revoked_at.is_(None))
                           .values(revoked_at=sso.clock.now(), revoked_reason=reason))) == 1
