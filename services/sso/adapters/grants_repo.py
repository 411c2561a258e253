"""The authorization code flow's records: requests waiting for a sign-in, codes, grants
and refresh tokens. Redeeming a code and using a refresh token are each one conditional
``UPDATE``: two requests racing cannot both win."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.orm import Session

from servicekit.dml import rows_changed
from services.sso.adapters.tables.clients import clients
from services.sso.adapters.tables.grants import (
    authorization_codes,
    authorization_requests,
    grants,
    refresh_tokens,
)
from services.sso.adapters.tables.sessions import browser_sessions
from services.sso.domain.clients import FIRST_PARTY
from services.sso.domain.grants import (
    AuthorizationCode,
    PendingRequest,
    RefreshToken,
    StoredGrant,
)

_c, _g, _r = authorization_codes.c, grants.c, refresh_tokens.c


def _record(kind: Any, row: Any) -> Any:
    return kind(**{name: row._mapping[name] for name in kind.__dataclass_fields__})


class GrantRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- authorization requests waiting for a sign-in -----------------------------------
    def add_request(self, request: PendingRequest) -> None:
        self.session.execute(insert(authorization_requests).values(
            request_id=request.request_id, client_id=request.client_id,
            parameters=request.parameters, expires_at=request.expires_at))

    def live_request(self, request_id: str, now: datetime) -> PendingRequest | None:
        a = authorization_requests.c
        row = self.session.execute(select(authorization_requests).where(
            a.request_id == request_id, a.expires_at > now)).first()
        return _record(PendingRequest, row) if row else None

    def remove_request(self, request_id: str) -> None:
        self.session.execute(delete(authorization_requests).where(
            authorization_requests.c.request_id == request_id))

    # -- codes ----------------------------------------------------------------------------
    def add_code(self, code: AuthorizationCode) -> None:
        self.session.execute(insert(authorization_codes).values(
            **{name: getattr(code, name) for name in AuthorizationCode.__dataclass_fields__}))

    def redeem_code(self, code_hash: str, client_id: str, now: datetime) -> AuthorizationCode | None:
        """The code, marked redeemed now, if it was this client's and not redeemed before
        (expired or not: the caller tells)."""
        row = self.session.execute(update(authorization_codes).where(
            _c.code_hash == code_hash, _c.client_id == client_id, _c.redeemed_at.is_(None))
            .values(redeemed_at=now).returning(*authorization_codes.c)).first()
        return _record(AuthorizationCode, row) if row else None

    def code(self, code_hash: str, client_id: str) -> AuthorizationCode | None:
        row = self.session.execute(select(authorization_codes).where(
            _c.code_hash == code_hash, _c.client_id == client_id)).first()
        return _record(AuthorizationCode, row) if row else None

    def set_code_grant(self, code_hash: str, grant_id: str) -> None:
        self.session.execute(update(authorization_codes).where(_c.code_hash == code_hash)
                             .values(grant_id=grant_id))

    # -- grants ---------------------------------------------------------------------------
    def add(self, grant: StoredGrant) -> None:
        self.session.execute(insert(grants).values(
            **{name: getattr(grant, name) for name in StoredGrant.__dataclass_fields__}))

    def get(self, grant_id: str) -> StoredGrant | None:
        row = self.session.execute(select(grants).where(_g.grant_id == grant_id)).first()
        return _record(StoredGrant, row) if row else None

    def unrevoked(self, grant_id: str) -> StoredGrant | None:
        row = self.session.execute(select(grants).where(
            _g.grant_id == grant_id, _g.revoked_at.is_(None))).first()
        return _record(StoredGrant, row) if row else None

    def extend(self, grant_id: str, expires_at: datetime) -> None:
        self.session.execute(update(grants).where(_g.grant_id == grant_id)
                             .values(expires_at=expires_at))

    def revoke(self, grant_id: str, now: datetime, reason: str) -> bool:
        return rows_changed(self.session.execute(update(grants).where(
            _g.grant_id == grant_id, _g.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason))) == 1

    def live_of(self, *, client_id: str | None = None, sid: str | None = None) -> list[StoredGrant]:
        """The unrevoked grants of a client, or made in a browser session."""
        query = select(grants).where(_g.revoked_at.is_(None))
        if client_id is not None:
            query = query.where(_g.client_id == client_id)
        if sid is not None:
            query = query.where(_g.sid == sid)
        return [_record(StoredGrant, row) for row in self.session.execute(query).all()]

    def revoke_all_of(self, account_id: str, now: datetime, reason: str,
                      keeping_grant: str | None = None) -> list[tuple[str, str | None]]:
        """(client id, sid) of each grant of the account revoked now."""
        query = update(grants).where(_g.account_id == account_id, _g.revoked_at.is_(None))
        if keeping_grant is not None:
            query = query.where(_g.grant_id != keeping_grant)
        rows = self.session.execute(query.values(revoked_at=now, revoked_reason=reason)
                                    .returning(_g.client_id, _g.sid)).all()
        return [(row.client_id, row.sid) for row in rows]

    def revoke_session_bound(self, now: datetime, *, sid: str | None = None) -> int:
        """The platform's own client's grants end with their browser session: those made
        in session ``sid``, or (``sid`` None) those whose session is no longer live."""
        if sid is not None:
            which = _g.sid == sid
        else:
            s = browser_sessions.c
            live = select(s.sid).where(s.ended_at.is_(None), s.expires_at > now)
            which = or_(_g.sid.is_(None), _g.sid.not_in(live))
        first_party = select(clients.c.client_id).where(clients.c.kind == FIRST_PARTY)
        return rows_changed(self.session.execute(update(grants).where(
            which, _g.revoked_at.is_(None), _g.client_id.in_(first_party))
            .values(revoked_at=now, revoked_reason="session-ended")))

    # -- refresh tokens -------------------------------------------------------------------
    def add_refresh_token(self, token: RefreshToken) -> None:
        self.session.execute(insert(refresh_tokens).values(
            **{name: getattr(token, name) for name in RefreshToken.__dataclass_fields__}))

    def refresh_token(self, token_hash: str) -> RefreshToken | None:
        row = self.session.execute(select(refresh_tokens).where(
            _r.token_hash == token_hash)).first()
        return _record(RefreshToken, row) if row else None

    def use_refresh_token(self, token_hash: str, now: datetime) -> bool:
        """False when it was used before (by this request's rival, too)."""
        return rows_changed(self.session.execute(update(refresh_tokens).where(
            _r.token_hash == token_hash, _r.used_at.is_(None)).values(used_at=now))) == 1

    # -- tidying (handlers/housekeeping.py) ------------------------------------------------
    def remove_expired(self, now: datetime, codes_before: datetime,
                       revoked_before: datetime) -> dict[str, int]:
        """Waiting requests over, codes over before ``codes_before``, and grants over or
        revoked before ``revoked_before`` with their refresh tokens (and refresh tokens
        over)."""
        g, r = grants.c, refresh_tokens.c
        ended = select(g.grant_id).where(or_(g.expires_at < now, g.revoked_at < revoked_before))
        counts = {
            "authorization_codes": rows_changed(self.session.execute(delete(
                authorization_codes).where(authorization_codes.c.expires_at < codes_before))),
            "authorization_requests": rows_changed(self.session.execute(delete(
                authorization_requests).where(authorization_requests.c.expires_at < now))),
            "refresh_tokens": rows_changed(self.session.execute(delete(refresh_tokens).where(
                or_(r.grant_id.in_(ended), r.expires_at < now)))),
        }
        counts["grants"] = rows_changed(self.session.execute(delete(grants).where(
            g.grant_id.in_(ended))))
        return counts
