"""Sign-ins under way at a county's own OpenID provider: the state, nonce and PKCE verifier
of each, kept until the browser comes back (once)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from servicekit.dml import rows_changed
from services.sso.adapters.tables.county import upstream_logins


@dataclass(frozen=True)
class UpstreamLogin:
    state_hash: str
    county_code: str
    nonce: str
    code_verifier: str
    request_id: str | None
    expires_at: datetime


class UpstreamLoginRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, login: UpstreamLogin) -> None:
        self.session.execute(insert(upstream_logins).values(
            state_hash=login.state_hash, county_code=login.county_code, nonce=login.nonce,
            code_verifier=login.code_verifier, request_id=login.request_id,
            expires_at=login.expires_at))

    def take(self, state_hash: str, county_code: str, now: datetime) -> UpstreamLogin | None:
        """The sign-in the state names, if it has not expired; it is gone afterwards."""
        u = upstream_logins.c
        row = self.session.execute(delete(upstream_logins).where(
            u.state_hash == state_hash, u.county_code == county_code, u.expires_at > now)
            .returning(*upstream_logins.c)).first()
        if row is None:
            return None
        return UpstreamLogin(row.state_hash, row.county_code, row.nonce, row.code_verifier,
                             row.request_id, row.expires_at)

    def remove_expired(self, now: datetime) -> int:
        """Sign-ins at a county never come back from (tidying)."""
        return rows_changed(self.session.execute(delete(upstream_logins).where(
            upstream_logins.c.expires_at < now)))
