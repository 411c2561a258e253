"""Browser sessions at the provider and the back-channel logout notices owed to partners,
as plain records. A session is known by the digest of its cookie; ``sid`` is its public
name in id tokens and logout tokens."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class StoredSession:
    cookie_hash: str
    sid: str
    account_id: str
    method: str
    county_code: str | None
    auth_time: datetime
    expires_at: datetime
    ended_at: datetime | None = None


@dataclass(frozen=True)
class LogoutDelivery:
    id: int
    client_id: str
    uri: str
    subject: str
    sid: str | None
    created_at: datetime
    attempts: int
    sent_at: datetime | None = None
    last_error: str | None = None
