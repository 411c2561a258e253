"""RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0).

``post_logout_redirect_uri`` is followed only when it is registered exactly for the client
that the ``id_token_hint`` (or ``client_id``) names; otherwise the person stays on the
provider's page. The hint is verified by the kit's strict verifier with the client as
audience: a forged, ``alg=none`` or HMAC-with-the-public-key token is refused, and so is
a hint about another session. Without a valid hint for the current session the person
confirms the logout, so a link alone cannot sign anyone out.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from jose import jwt

from services.sso.adapters.unit_of_work import SsoWork
from services.sso.domain.clients import Client
from services.sso.handlers.authorize import ErrorPage
from services.sso.handlers.backchannel import LogoutSender
from services.sso.handlers.sessions import BrowserSession

HintVerifier = Callable[[str, str], dict[str, Any] | None]  # (client id, hint) → claims


@dataclass(frozen=True)
class LogoutRequest:
    client: Client | None
    redirect_uri: str | None  # registered, or None
    state: str | None
    hint_sid: str | None
    hint_subject: str | None

    def confirmed_by_hint(self, session: BrowserSession | None, pairwise_key: bytes) -> bool:
        if session is None or self.client is None:
            return False
        if self.hint_sid is not None:
            return self.hint_sid == session.sid
        return self.hint_subject == self.client.subject_for(pairwise_key,
                                                            session.account.account_id)

    def redirect_url(self) -> str | None:
        if self.redirect_uri is None:
            return None
        if not self.state:
            return self.redirect_uri
        parts = urlsplit(self.redirect_uri)
        query = urlencode({"state": self.state})
        return urlunsplit(parts._replace(query=f"{parts.query}&{query}" if parts.query else query))


def parse(uow: SsoWork, verified_hint: HintVerifier,
          params: Mapping[str, str]) -> LogoutRequest:
    """``verified_hint``: the claims of a valid id token of this provider for that client
    (the kit's strict verifier with the client as audience), None for anything else."""
    hint = params.get("id_token_hint")
    client_id = params.get("client_id")
    hint_claims = None
    if hint:
        hint_claims = _verified_hint(uow, verified_hint, hint)
        if client_id and client_id != hint_claims["aud"]:
            raise ErrorPage("bad_logout", "client_id and id_token_hint name different clients")
        client_id = hint_claims["aud"]
    with uow:
        client = uow.clients.get(client_id)
    if client_id and client is None:
        raise ErrorPage("unknown_client", f"client_id {client_id!r} is not registered")
    redirect_uri = params.get("post_logout_redirect_uri")
    if redirect_uri is not None:
        if client is None:
            raise ErrorPage("bad_logout",
                            "post_logout_redirect_uri needs id_token_hint or client_id")
        if redirect_uri not in client.post_logout_redirect_uris:
            raise ErrorPage("bad_redirect_uri",
                            "post_logout_redirect_uri is not registered exactly")
    return LogoutRequest(client, redirect_uri, params.get("state"),
                         hint_claims.get("sid") if hint_claims else None,
                         hint_claims.get("sub") if hint_claims else None)


def _verified_hint(uow: SsoWork, verified_hint: HintVerifier, hint: str) -> dict[str, Any]:
    try:
        audience = jwt.get_unverified_claims(hint).get("aud")
    except Exception:
        raise ErrorPage("bad_logout", "id_token_hint is not a token") from None
    if not isinstance(audience, str) or not audience:
        raise ErrorPage("bad_logout", "id_token_hint names no client")
    # Read unverified only to pick the verifier, which then checks that very audience,
    # the signature and the issuer; unknown audiences fail at the client lookup anyway.
    with uow:
        known = uow.clients.get(audience) is not None
    if not known:
        raise ErrorPage("bad_logout", "id_token_hint names no registered client")
    claims = verified_hint(audience, hint)  # outside the transaction: it may read the keys
    if claims is None:
        raise ErrorPage("bad_logout", "id_token_hint is not a valid id token of this provider")
    return claims


def log_out(uow: SsoWork, logouts: LogoutSender, session: BrowserSession,
            initiator: Client | None) -> None:
    """Ends the session, revokes every grant made in it, and tells the other clients
    that registered for back-channel logout."""
    now = logouts.clock.now()
    with uow:
        uow.sessions.end(session.sid, now)
    with uow:
        told: set[str] = set()
        deliveries = []
        for grant in uow.grants.live_of(sid=session.sid):
            uow.grants.revoke(grant.grant_id, logouts.clock.now(), "logout")
            client = uow.clients.get(grant.client_id)
            if client is None or grant.client_id in told or \
                    (initiator is not None and grant.client_id == initiator.client_id):
                continue
            told.add(grant.client_id)
            deliveries.append(logouts.queue(uow, client, session.account.account_id,
                                            session.sid))
        logouts.deliver_after_commit(uow, deliveries)
