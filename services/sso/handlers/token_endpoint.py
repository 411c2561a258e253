"""The token endpoint's two grants.

Authorization code: single use. Redemption marks the code in the same conditional UPDATE
that finds it, so two redemptions racing cannot both win; a code that comes back after
being redeemed revokes the grant the first redemption issued (RFC 6749 4.1.2) and gets
``invalid_grant``. The PKCE verifier must match the S256 challenge.

Refresh token: rotated on every use; a used refresh token that comes back means it was
copied, so the whole grant (every token of that family) is revoked (OAuth 2.0 Security
BCP 4.14). Rotation never extends a grant past its end (``issuing.grant_end``): a refresh
after ``GRANT_MAX_SECONDS``, or — for the platform's own client — after its browser
session ended or expired, revokes the grant and gets ``invalid_grant``.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update

from servicekit.dml import rows_changed
from services.sso.adapters.digests import digest
from services.sso.adapters.repository import AccountRepository
from services.sso.adapters.tables.grants import authorization_codes, grants, refresh_tokens
from services.sso.dependencies import SsoDependencies
from services.sso.domain.clients import Client
from services.sso.domain.pkce import verifier_matches
from services.sso.handlers.client_auth import OAuthError
from services.sso.handlers.issuing import Grant, grant_end, new_grant, revoke_grant, token_response


def invalid_grant(description: str) -> OAuthError:
    return OAuthError("invalid_grant", description)


def exchange(sso: SsoDependencies, client: Client, form: Mapping[str, str]) -> dict[str, Any]:
    grant_type = form.get("grant_type")
    if not client.signs_in:
        raise OAuthError("unauthorized_client", f"sign-in for this client is {client.status}")
    if grant_type == "authorization_code":
        return redeem_code(sso, client, form)
    if grant_type == "refresh_token":
        return refresh(sso, client, form)
    raise OAuthError("unsupported_grant_type", "authorization_code or refresh_token")


def redeem_code(sso: SsoDependencies, client: Client, form: Mapping[str, str]) -> dict[str, Any]:
    code = form.get("code")
    if not code or len(code) > 100:
        raise OAuthError("invalid_request", "code is required")
    code_hash, now = digest(code), sso.clock.now()
    signer = sso.keys.signer()
    reused_grant: str | None = None
    answer: dict[str, Any] | None = None
    refusal = "the code is not valid"
    with sso.database.session() as session:
        c = authorization_codes.c
        row = session.execute(update(authorization_codes).where(
            c.code_hash == code_hash, c.client_id == client.client_id, c.redeemed_at.is_(None))
            .values(redeemed_at=now).returning(*authorization_codes.c)).first()
        if row is None:
            earlier = session.execute(select(c.grant_id, c.redeemed_at).where(
                c.code_hash == code_hash, c.client_id == client.client_id)).first()
            if earlier is not None and earlier.redeemed_at is not None:
                reused_grant = earlier.grant_id
                refusal = "the code was used before; what it issued is revoked"
        elif row.expires_at <= now:
            refusal = "the code has expired"
        elif form.get("redirect_uri") != row.redirect_uri:
            refusal = "redirect_uri differs from the authorization request's"
        elif not verifier_matches(form.get("code_verifier"), row.code_challenge):
            refusal = "the code_verifier does not match the code_challenge"
        else:
            accounts = AccountRepository(session)
            account = accounts.get(row.account_id)
            if account is None or not account.enabled:
                refusal = "the account cannot sign in"
            elif client.test_accounts_only and not accounts.is_test_account(account.account_id):
                refusal = "this partner is in testing: test accounts only"
            else:
                scopes = tuple(row.scope.split())
                grant = new_grant(session, sso, client, account, row.sid, scopes,
                                  row.auth_time, row.amr)
                if grant is None:
                    refusal = "the browser session of this sign-in has ended"
                else:
                    session.execute(update(authorization_codes).where(c.code_hash == code_hash)
                                    .values(grant_id=grant.grant_id))
                    answer = token_response(session, sso, signer, client, account, grant,
                                            row.nonce, refresh=client.refreshes(scopes))
        if reused_grant:
            revoke_grant(session, sso, reused_grant, "code-reused")
    if answer is None:
        raise invalid_grant(refusal)
    return answer


def refresh(sso: SsoDependencies, client: Client, form: Mapping[str, str]) -> dict[str, Any]:
    token = form.get("refresh_token")
    if not token or len(token) > 100:
        raise OAuthError("invalid_request", "refresh_token is required")
    token_hash, now = digest(token), sso.clock.now()
    signer = sso.keys.signer()
    answer: dict[str, Any] | None = None
    refusal = "the refresh token is not valid"
    with sso.database.session() as session:
        r, g = refresh_tokens.c, grants.c
        row = session.execute(select(r.used_at, r.expires_at, grants).join(
            grants, g.grant_id == r.grant_id).where(r.token_hash == token_hash)).first()
        if row is None or row.client_id != client.client_id:
            pass
        elif row.revoked_at is not None:
            refusal = "the grant was revoked"
        elif row.used_at is not None or rows_changed(session.execute(update(refresh_tokens).where(
                r.token_hash == token_hash, r.used_at.is_(None)).values(used_at=now))) != 1:
            revoke_grant(session, sso, row.grant_id, "refresh-token-reused")
            refusal = "the refresh token was used before; the grant is revoked"
        elif (ends_at := grant_end(session, sso, client, row.sid, row.created_at)) is None:
            revoke_grant(session, sso, row.grant_id, "session-ended")
            refusal = "the browser session of this grant has ended"
        elif ends_at <= now:
            revoke_grant(session, sso, row.grant_id, "lifetime-ended")
            refusal = "the grant has reached its longest lifetime; sign in again"
        elif row.expires_at <= now:
            refusal = "the refresh token has expired"
        else:
            scopes = tuple(row.scope.split())
            requested = form.get("scope")
            account = AccountRepository(session).get(row.account_id)
            if requested is not None and not set(requested.split()) <= set(scopes):
                refusal = "scope must not grow on refresh"
            elif account is None or not account.enabled:
                refusal = "the account cannot sign in"
            else:
                granted = scopes
                if requested is not None:
                    scopes = tuple(s for s in scopes if s in requested.split())
                grant = Grant(row.grant_id, row.client_id, row.account_id, row.sid, scopes,
                              row.auth_time, row.amr, ends_at)
                answer = token_response(session, sso, signer, client, account, grant,
                                        refresh=client.refreshes(granted))
    if answer is None:
        raise invalid_grant(refusal)
    return answer
