"""Clients of the provider: the platform's own web client and the partner sites (R-SSO-2).

A partner goes applied → testing → approved → enabled → disabled. Testing lets it sign
in test accounts only; approval records the ministry's reference; a disabled partner is
closed for good (reopening is a new application, as the seed's Chiayi City platform that
was closed on 2017-04-13).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from services.sso.domain.pairwise import pairwise_subject, sector_of

APPLIED, TESTING, APPROVED = "applied", "testing", "approved"
ENABLED, DISABLED = "enabled", "disabled"
STATUSES = (APPLIED, TESTING, APPROVED, ENABLED, DISABLED)
TRANSITIONS = {APPLIED: {TESTING, DISABLED}, TESTING: {APPROVED, DISABLED},
               APPROVED: {ENABLED, DISABLED}, ENABLED: {DISABLED}, DISABLED: set()}

FIRST_PARTY, PARTNER = "first_party", "partner"
AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")

# Scopes and the claims each one releases (claims minimisation: a partner is registered
# with the scopes it may ask for, and gets nothing beyond them).
SCOPE_CLAIMS: dict[str, tuple[str, ...]] = {
    "openid": ("sub",),
    "profile": ("name",),
    "email": ("email",),
    "school": ("school_code", "county_code"),
}
SCOPES = (*SCOPE_CLAIMS, "offline_access")
CLIENT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{2,63}$")


class ClientError(ValueError):
    """A registration or a transition that is not allowed; the message says why."""


@dataclass(frozen=True)
class Client:
    client_id: str
    name: str
    kind: str = PARTNER
    status: str = APPLIED
    redirect_uris: tuple[str, ...] = ()
    post_logout_redirect_uris: tuple[str, ...] = ()
    backchannel_logout_uri: str | None = None
    sector_identifier_uri: str | None = None
    sector: str = ""
    contacts: tuple[str, ...] = ()
    allowed_scopes: tuple[str, ...] = ("openid",)
    auth_method: str = "client_secret_basic"
    secret_hash: str | None = None
    organisation: str | None = None
    approval_reference: str | None = None
    approved_on: date | None = None
    disabled_on: date | None = None
    disabled_reason: str | None = None
    created_at: datetime | None = field(default=None, compare=False)
    version: int = 1

    @property
    def public(self) -> bool:
        return self.auth_method == "none"

    @property
    def pairwise(self) -> bool:
        return self.kind == PARTNER

    @property
    def session_bound(self) -> bool:
        """The platform's own (browser) client: its grants last no longer than the browser
        session they were made in. A partner's last as long as its offline access."""
        return self.kind == FIRST_PARTY

    def refreshes(self, scopes: tuple[str, ...] | list[str]) -> bool:
        """Whether a grant of these scopes gets refresh tokens: the platform's own client
        within its browser session; a partner only with ``offline_access`` (OpenID Connect
        Core 11), which it must be allowed (``grantable_scopes``) and ask for. The
        ministry's approval of the partner (R-SSO-2) stands in for the person's consent to
        offline access, so ``prompt=consent`` is not required."""
        return self.session_bound or "offline_access" in scopes

    @property
    def signs_in(self) -> bool:
        """Whether authorize, token, refresh and userinfo serve this client now."""
        return self.status in (TESTING, ENABLED)

    @property
    def test_accounts_only(self) -> bool:
        return self.status == TESTING

    def subject_for(self, pairwise_key: bytes, account_id: str) -> str:
        """The ``sub`` this client knows the account by: the pairwise subject for a
        partner site, the platform's own account id for the platform's own client."""
        if self.pairwise:
            return pairwise_subject(pairwise_key, self.sector, account_id)
        return account_id

    def grantable_scopes(self, requested: list[str]) -> list[str]:
        return [scope for scope in dict.fromkeys(requested) if scope in self.allowed_scopes]

    def released_claims(self, scopes: list[str]) -> set[str]:
        return {claim for scope in scopes if scope in self.allowed_scopes
                for claim in SCOPE_CLAIMS.get(scope, ())}

    def moved_to(self, status: str, **changes: Any) -> Client:
        if status not in TRANSITIONS[self.status]:
            raise ClientError(f"a partner that is {self.status} cannot become {status}")
        if self.kind != PARTNER:
            raise ClientError("only partner sites have a lifecycle")
        return replace(self, status=status, version=self.version + 1,
                       **changes)


def validate_registration(client: Client) -> Client:
    """The client with its sector worked out, or ClientError."""
    if not CLIENT_ID.match(client.client_id):
        raise ClientError("client_id: 3–64 lower-case letters, digits and dashes")
    if not client.name.strip():
        raise ClientError("a client needs a name")
    if not client.redirect_uris:
        raise ClientError("at least one redirect URI is needed")
    for uri in (*client.redirect_uris, *client.post_logout_redirect_uris):
        _check_redirect_uri(uri)
    if client.backchannel_logout_uri:
        _check_redirect_uri(client.backchannel_logout_uri)
    if client.auth_method not in AUTH_METHODS:
        raise ClientError(f"token_endpoint_auth_method must be one of {AUTH_METHODS}")
    if client.kind == PARTNER and client.public:
        raise ClientError("a partner site authenticates with a secret")
    unknown = set(client.allowed_scopes) - set(SCOPES)
    if unknown or "openid" not in client.allowed_scopes:
        raise ClientError(f"scopes must include openid and be among {SCOPES}")
    for contact in client.contacts:
        if "@" not in contact or len(contact) > 254:
            raise ClientError(f"contact {contact!r} is not an e-mail address")
    try:
        sector = sector_of(list(client.redirect_uris), client.sector_identifier_uri)
    except ValueError as error:
        raise ClientError(str(error)) from None
    return replace(client, sector=sector)


def check_sector_document(client: Client, listed: list[str]) -> None:
    """The sector identifier document must list every redirect URI of the client: the
    organisation that serves it vouches for the sites sharing its sector."""
    missing = [uri for uri in client.redirect_uris if uri not in set(listed)]
    if missing:
        raise ClientError(f"the sector identifier document does not list the redirect "
                          f"URIs {', '.join(missing)}")


def _check_redirect_uri(uri: str) -> None:
    """Absolute, no fragment; http only on loopback (RFC 8252 and the test set-ups)."""
    parts = urlsplit(uri)
    if parts.fragment or not parts.hostname or parts.scheme not in ("https", "http"):
        raise ClientError(f"{uri!r} is not an absolute http(s) URL without a fragment")
    if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ClientError(f"{uri!r}: plain http only on loopback")
