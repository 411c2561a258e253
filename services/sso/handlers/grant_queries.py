"""What a client can ask about the tokens it holds: revocation (RFC 7009), introspection
(RFC 7662) and userinfo (OpenID Connect Core 5.3).

Access tokens are checked with the kit's strict verifier on this service's own keys; the
grant they name (``gid``) must still stand and its client still sign in, so revoking a
grant or disabling a partner stops its tokens here at once. (The gateway and the other
services check access tokens without state: they are short-lived, and partner tokens
carry no roles.)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from servicekit.problems import Problem
from servicekit.tokens import Principal
from services.sso.adapters.digests import digest
from services.sso.adapters.repository import AccountRepository, ClientRepository
from services.sso.adapters.tables.grants import grants, refresh_tokens
from services.sso.dependencies import SsoDependencies
from services.sso.domain.accounts import Account
from services.sso.domain.clients import Client
from services.sso.handlers.issuing import revoke_grant


@dataclass(frozen=True)
class LiveGrant:
    grant_id: str
    client: Client
    account: Account
    scopes: tuple[str, ...]


def live_grant(sso: SsoDependencies, grant_id: str | None) -> LiveGrant | None:
    """The grant if it stands: not revoked, its client signing in, its account enabled."""
    if not grant_id:
        return None
    with sso.database.session() as session:
        row = session.execute(select(grants).where(grants.c.grant_id == grant_id,
                                                   grants.c.revoked_at.is_(None))).first()
        if row is None:
            return None
        client = ClientRepository(session).get(row.client_id)
        account = AccountRepository(session).get(row.account_id)
    if client is None or not client.signs_in or account is None or not account.enabled:
        return None
    return LiveGrant(row.grant_id, client, account, tuple(row.scope.split()))


def verified_access_token(sso: SsoDependencies, token: str) -> Principal | None:
    try:
        return sso.access_token_verifier.verify(token)
    except Problem:
        return None


def revoke(sso: SsoDependencies, client: Client, token: str, hint: str | None) -> None:
    """RFC 7009: the grant behind a refresh or access token of this client ends. Unknown
    tokens, and tokens of other clients, change nothing and are not reported (2.2)."""
    grant_id = None
    if hint != "access_token":
        with sso.database.session() as session:
            grant_id = session.scalar(select(refresh_tokens.c.grant_id).where(
                refresh_tokens.c.token_hash == digest(token)))
    if grant_id is None and "." in token:
        principal = verified_access_token(sso, token)
        grant_id = principal.claims.get("gid") if principal else None
    if grant_id is None:
        return
    with sso.database.session() as session:
        owner = session.scalar(select(grants.c.client_id).where(grants.c.grant_id == grant_id))
        if owner == client.client_id:
            revoke_grant(session, sso, grant_id, "revoked-by-client")


def introspect(sso: SsoDependencies, client: Client, token: str) -> dict[str, Any]:
    inactive = {"active": False}
    principal = verified_access_token(sso, token) if "." in token else None
    if principal is not None:
        grant = live_grant(sso, principal.claims.get("gid"))
        if grant is None or grant.client.client_id != client.client_id:
            return inactive
        claims = principal.claims
        return {"active": True, "token_type": "Bearer", "client_id": client.client_id,
                "scope": claims.get("scope"), "exp": claims["exp"], "iat": claims["iat"],
                "iss": claims["iss"], "aud": claims["aud"],
                "sub": grant.client.subject_for(sso.config.pairwise_secret,
                                                grant.account.account_id)}
    with sso.database.session() as session:
        row = session.execute(select(refresh_tokens).where(
            refresh_tokens.c.token_hash == digest(token))).first()
    if row is None or row.used_at is not None or row.expires_at <= sso.clock.now():
        return inactive
    grant = live_grant(sso, row.grant_id)
    if grant is None or grant.client.client_id != client.client_id:
        return inactive
    return {"active": True, "token_type": "refresh_token", "client_id": client.client_id,
            "scope": " ".join(grant.scopes), "exp": int(row.expires_at.timestamp()),
            "iat": int(row.issued_at.timestamp()), "iss": sso.config.issuer,
            "sub": grant.client.subject_for(sso.config.pairwise_secret, grant.account.account_id)}


class UserinfoRefused(Exception):
    pass


def userinfo(sso: SsoDependencies, principal: Principal) -> dict[str, Any]:
    """The claims the token's grant releases. ``principal`` is the verified access token.

    A token of this issuer that names no grant was not issued by an authorization here:
    it gets back its own subject and nothing else (no account data without a grant)."""
    grant_id = principal.claims.get("gid")
    if grant_id is None:
        return {"sub": principal.subject}
    grant = live_grant(sso, grant_id)
    if grant is None:
        raise UserinfoRefused("the grant of this token is revoked or its client closed")
    if "openid" not in grant.scopes:
        raise UserinfoRefused("the token was not issued with the openid scope")
    claims = grant.account.claims(grant.client.released_claims(list(grant.scopes)))
    claims["sub"] = grant.client.subject_for(sso.config.pairwise_secret,
                                             grant.account.account_id)
    return claims
