"""What the authorization code flow keeps between requests, as plain records: a request
waiting for a sign-in, a code, a grant and its refresh tokens. Codes and refresh tokens
are known here only by their digests."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class PendingRequest:
    request_id: str
    client_id: str
    parameters: dict[str, Any]
    expires_at: datetime


@dataclass(frozen=True)
class AuthorizationCode:
    code_hash: str
    client_id: str
    account_id: str
    sid: str
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str
    auth_time: datetime
    amr: str
    expires_at: datetime
    redeemed_at: datetime | None = None
    grant_id: str | None = None  # what its redemption issued


@dataclass(frozen=True)
class StoredGrant:
    grant_id: str
    client_id: str
    account_id: str
    sid: str | None
    scope: str
    auth_time: datetime
    amr: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    revoked_reason: str | None = None


@dataclass(frozen=True)
class RefreshToken:
    token_hash: str
    grant_id: str
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
