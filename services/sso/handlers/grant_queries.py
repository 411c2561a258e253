"""What a client can ask about the tokens it holds: revocation (RFC 7009), introspection
(RFC 7662) and userinfo (OpenID Connect Core 5.3).

Access tokens are checked with the kit's strict verifier on this service's own keys; the
grant they name (``gid``) must still stand and its client still sign in, so revoking a
grant or disabling a partner stops its tokens here at once. (The gateway and the other
services check access tokens without state: they are short-lived, and partner tokens
carry no roles.)
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from servicekit.clock import Clock
from servicekit.tokens import Principal
from services.sso.adapters.digests import digest
from services.sso.adapters.unit_of_work import SsoWork
from services.sso.config import SsoConfig
from services.sso.domain.accounts import Account
from services.sso.domain.clients import Client


@dataclass(frozen=True)
class LiveGrant:
    grant_id: str
    client: Client
    account: Account
    scopes: tuple[str, ...]


class UserinfoRefused(Exception):
    pass


@dataclass(frozen=True)
class GrantQueries:
    """What answering about tokens takes: a unit of work per transaction, the settings
    (issuer, pairwise key), the clock, and the verifier of access tokens (None: refused)."""
    unit_of_work: Callable[[], SsoWork]
    config: SsoConfig
    clock: Clock
    verified_access_token: Callable[[str], Principal | None]

    def live_grant(self, grant_id: str | None) -> LiveGrant | None:
        """The grant if it stands: not revoked, its client signing in, its account enabled."""
        if not grant_id:
            return None
        with self.unit_of_work() as uow:
            row = uow.grants.unrevoked(grant_id)
            if row is None:
                return None
            client = uow.clients.get(row.client_id)
            account = uow.accounts.get(row.account_id)
        if client is None or not client.signs_in or account is None or not account.enabled:
            return None
        return LiveGrant(row.grant_id, client, account, tuple(row.scope.split()))

    def revoke(self, client: Client, token: str, hint: str | None) -> None:
        """RFC 7009: the grant behind a refresh or access token of this client ends.
        Unknown tokens, and tokens of other clients, change nothing and are not reported
        (2.2)."""
        grant_id = None
        if hint != "access_token":
            with self.unit_of_work() as uow:
                stored = uow.grants.refresh_token(digest(token))
                grant_id = stored.grant_id if stored else None
        if grant_id is None and "." in token:
            principal = self.verified_access_token(token)
            grant_id = principal.claims.get("gid") if principal else None
        if grant_id is None:
            return
        with self.unit_of_work() as uow:
            grant = uow.grants.get(grant_id)
            if grant is not None and grant.client_id == client.client_id:
                uow.grants.revoke(grant_id, self.clock.now(), "revoked-by-client")

    def introspect(self, client: Client, token: str) -> dict[str, Any]:
        inactive = {"active": False}
        secret = self.config.pairwise_secret
        principal = self.verified_access_token(token) if "." in token else None
        if principal is not None:
            grant = self.live_grant(principal.claims.get("gid"))
            if grant is None or grant.client.client_id != client.client_id:
                return inactive
            claims = principal.claims
            return {"active": True, "token_type": "Bearer", "client_id": client.client_id,
                    "scope": claims.get("scope"), "exp": claims["exp"], "iat": claims["iat"],
                    "iss": claims["iss"], "aud": claims["aud"],
                    "sub": grant.client.subject_for(secret, grant.account.account_id)}
        with self.unit_of_work() as uow:
            row = uow.grants.refresh_token(digest(token))
        if row is None or row.used_at is not None or row.expires_at <= self.clock.now():
            return inactive
        grant = self.live_grant(row.grant_id)
        if grant is None or grant.client.client_id != client.client_id:
            return inactive
        return {"active": True, "token_type": "refresh_token", "client_id": client.client_id,
                "scope": " ".join(grant.scopes), "exp": int(row.expires_at.timestamp()),
                "iat": int(row.issued_at.timestamp()), "iss": self.config.issuer,
                "sub": grant.client.subject_for(secret, grant.account.account_id)}

    def userinfo(self, principal: Principal) -> dict[str, Any]:
        """The claims the token's grant releases. ``principal`` is the verified access token.

        A token of this issuer that names no grant was not issued by an authorization
        here: it gets back its own subject and nothing else (no account data without a
        grant)."""
        grant_id = principal.claims.get("gid")
        if grant_id is None:
            return {"sub": principal.subject}
        grant = self.live_grant(grant_id)
        if grant is None:
            raise UserinfoRefused("the grant of this token is revoked or its client closed")
        if "openid" not in grant.scopes:
            raise UserinfoRefused("the token was not issued with the openid scope")
        claims = grant.account.claims(grant.client.released_claims(list(grant.scopes)))
        claims["sub"] = grant.client.subject_for(self.config.pairwise_secret,
                                                 grant.account.account_id)
        return claims
