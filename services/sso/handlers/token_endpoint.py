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

from services.sso.adapters.digests import digest
from services.sso.adapters.keys import KeyStore
from services.sso.adapters.unit_of_work import SsoWork
from services.sso.domain.clients import Client
from services.sso.domain.pkce import verifier_matches
from services.sso.handlers.client_auth import OAuthError
from services.sso.handlers.issuing import Grant, Issuer


def invalid_grant(description: str) -> OAuthError:
    return OAuthError("invalid_grant", description)


def exchange(uow: SsoWork, issuer: Issuer, keys: KeyStore, client: Client,
             form: Mapping[str, str]) -> dict[str, Any]:
    grant_type = form.get("grant_type")
    if not client.signs_in:
        raise OAuthError("unauthorized_client", f"sign-in for this client is {client.status}")
    if grant_type == "authorization_code":
        return redeem_code(uow, issuer, keys, client, form)
    if grant_type == "refresh_token":
        return refresh(uow, issuer, keys, client, form)
    raise OAuthError("unsupported_grant_type", "authorization_code or refresh_token")


def redeem_code(uow: SsoWork, issuer: Issuer, keys: KeyStore, client: Client,
                form: Mapping[str, str]) -> dict[str, Any]:
    code = form.get("code")
    if not code or len(code) > 100:
        raise OAuthError("invalid_request", "code is required")
    code_hash, now = digest(code), issuer.clock.now()
    signer = keys.signer()
    reused_grant: str | None = None
    answer: dict[str, Any] | None = None
    refusal = "the code is not valid"
    with uow:
        row = uow.grants.redeem_code(code_hash, client.client_id, now)
        if row is None:
            earlier = uow.grants.code(code_hash, client.client_id)
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
            account = uow.accounts.get(row.account_id)
            if account is None or not account.enabled:
                refusal = "the account cannot sign in"
            elif client.test_accounts_only and not uow.accounts.is_test_account(
                    account.account_id):
                refusal = "this partner is in testing: test accounts only"
            else:
                scopes = tuple(row.scope.split())
                grant = issuer.new_grant(uow, client, account, row.sid, scopes,
                                         row.auth_time, row.amr)
                if grant is None:
                    refusal = "the browser session of this sign-in has ended"
                else:
                    uow.grants.set_code_grant(code_hash, grant.grant_id)
                    answer = issuer.token_response(uow, signer, client, account, grant,
                                                   row.nonce, refresh=client.refreshes(scopes))
        if reused_grant:
            issuer.revoke_grant(uow, reused_grant, "code-reused")
    if answer is None:
        raise invalid_grant(refusal)
    return answer


def refresh(uow: SsoWork, issuer: Issuer, keys: KeyStore, client: Client,
            form: Mapping[str, str]) -> dict[str, Any]:
    token = form.get("refresh_token")
    if not token or len(token) > 100:
        raise OAuthError("invalid_request", "refresh_token is required")
    token_hash, now = digest(token), issuer.clock.now()
    signer = keys.signer()
    answer: dict[str, Any] | None = None
    refusal = "the refresh token is not valid"
    with uow:
        stored = uow.grants.refresh_token(token_hash)
        row = uow.grants.get(stored.grant_id) if stored else None
        if stored is None or row is None or row.client_id != client.client_id:
            pass
        elif row.revoked_at is not None:
            refusal = "the grant was revoked"
        elif stored.used_at is not None or not uow.grants.use_refresh_token(token_hash, now):
            issuer.revoke_grant(uow, row.grant_id, "refresh-token-reused")
            refusal = "the refresh token was used before; the grant is revoked"
        elif (ends_at := issuer.grant_end(uow, client, row.sid, row.created_at)) is None:
            issuer.revoke_grant(uow, row.grant_id, "session-ended")
            refusal = "the browser session of this grant has ended"
        elif ends_at <= now:
            issuer.revoke_grant(uow, row.grant_id, "lifetime-ended")
            refusal = "the grant has reached its longest lifetime; sign in again"
        elif stored.expires_at <= now:
            refusal = "the refresh token has expired"
        else:
            scopes = tuple(row.scope.split())
            requested = form.get("scope")
            account = uow.accounts.get(row.account_id)
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
                answer = issuer.token_response(uow, signer, client, account, grant,
                                               refresh=client.refreshes(granted))
    if answer is None:
        raise invalid_grant(refusal)
    return answer
