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

from servicekit.clock import Clock
from services.sso.adapters.digests import digest, new_token
from services.sso.adapters.keys import Signer
from services.sso.adapters.unit_of_work import SsoWork
from services.sso.config import SsoConfig
from services.sso.domain.accounts import Account
from services.sso.domain.clients import Client
from services.sso.domain.grants import RefreshToken, StoredGrant


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


@dataclass(frozen=True)
class Issuer:
    """What issuing tokens takes: the settings (issuer, audiences, lifetimes, pairwise key)
    and the clock. The signer is taken before the transaction (KeyStore.signer)."""
    config: SsoConfig
    clock: Clock

    def grant_end(self, uow: SsoWork, client: Client, sid: str | None,
                  created_at: datetime) -> datetime | None:
        """The latest a grant made at ``created_at`` may last: ``GRANT_MAX_SECONDS``
        however often it is refreshed, and for the platform's own client no longer than
        the browser session it was made in. None: that session is over (ended or expired)
        already."""
        end = created_at + timedelta(seconds=self.config.grant_max_seconds)
        if client.session_bound:
            session_end = uow.sessions.end_of_unended(sid) if sid else None
            if session_end is None or session_end <= self.clock.now():
                return None
            end = min(end, session_end)
        return end

    def new_grant(self, uow: SsoWork, client: Client, account: Account, sid: str,
                  scopes: tuple[str, ...], auth_time: datetime, amr: str) -> Grant | None:
        """None when the browser session a platform client's grant would belong to is over."""
        now = self.clock.now()
        ends_at = self.grant_end(uow, client, sid, now)
        if ends_at is None:
            return None
        grant = Grant(str(uuid.uuid4()), client.client_id, account.account_id, sid, scopes,
                      auth_time, amr, ends_at)
        # Until a refresh token extends it: a grant without one is over with its access token.
        uow.grants.add(StoredGrant(
            grant_id=grant.grant_id, client_id=client.client_id, account_id=account.account_id,
            sid=sid, scope=" ".join(scopes), auth_time=auth_time, amr=amr, created_at=now,
            expires_at=min(ends_at, now + timedelta(seconds=self.config.access_token_seconds))))
        return grant

    def token_response(self, uow: SsoWork, signer: Signer, client: Client, account: Account,
                       grant: Grant, nonce: str | None = None,
                       refresh: bool = False) -> dict[str, Any]:
        """``refresh``: whether a refresh token comes too (``Client.refreshes`` of the
        grant's scopes)."""
        lifetime = self._seconds_left(grant, self.config.access_token_seconds)
        access_token = self._access_token(signer, client, account, grant, lifetime)
        answer: dict[str, Any] = {"access_token": access_token, "token_type": "Bearer",
                                  "expires_in": lifetime, "scope": " ".join(grant.scopes)}
        if "openid" in grant.scopes:
            answer["id_token"] = self._id_token(signer, client, account, grant, access_token,
                                                nonce)
        if refresh:
            answer["refresh_token"] = self._refresh_token(uow, grant)
        return answer

    def revoke_grant(self, uow: SsoWork, grant_id: str, reason: str) -> bool:
        return uow.grants.revoke(grant_id, self.clock.now(), reason)

    def _seconds_left(self, grant: Grant, at_most: int) -> int:
        return max(1, min(at_most, int((grant.ends_at - self.clock.now()).total_seconds())))

    def _access_token(self, signer: Signer, client: Client, account: Account, grant: Grant,
                      lifetime: int) -> str:
        config = self.config
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": config.issuer, "aud": self._audience(client),
            "sub": client.subject_for(config.pairwise_secret, account.account_id),
            "iat": now, "exp": now + lifetime, "jti": new_token(16),
            "client_id": client.client_id, "scope": " ".join(grant.scopes),
            "gid": grant.grant_id, "roles": [],
        }
        if not client.pairwise:
            claims["roles"] = account.roles()
            for name, value in (("unit", account.unit()), ("authority", account.authority())):
                if value:
                    claims[name] = value
        return signer.sign(claims, typ="at+jwt")

    def _audience(self, client: Client) -> str:
        if not client.pairwise and client.client_id in self.config.platform_clients:
            return self.config.api_audience
        return self.config.userinfo_audience

    def _id_token(self, signer: Signer, client: Client, account: Account, grant: Grant,
                  access_token: str, nonce: str | None) -> str:
        config = self.config
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": config.issuer, "aud": client.client_id, "azp": client.client_id,
            "sub": client.subject_for(config.pairwise_secret, account.account_id),
            "iat": now, "exp": now + config.id_token_seconds,
            "auth_time": int(grant.auth_time.timestamp()), "amr": [grant.amr],
            "at_hash": _at_hash(access_token),
        }
        if grant.sid:
            claims["sid"] = grant.sid
        if nonce:
            claims["nonce"] = nonce
        return signer.sign(claims)

    def _refresh_token(self, uow: SsoWork, grant: Grant) -> str:
        token, now = new_token(), self.clock.now()
        expires = min(grant.ends_at, now + timedelta(seconds=self.config.refresh_token_seconds))
        uow.grants.add_refresh_token(RefreshToken(digest(token), grant.grant_id, now, expires))
        uow.grants.extend(grant.grant_id, expires)
        return token


def _at_hash(access_token: str) -> str:
    half = create_half_hash(access_token, "RS256")
    if half is None:  # authlib answers None only for an algorithm it does not know
        raise ValueError("no half hash for RS256")
    return half.decode()
