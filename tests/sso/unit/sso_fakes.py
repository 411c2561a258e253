"""In-memory sso repositories and a fake unit of work (cosmicpython's ``FakeUnitOfWork``)
for handler tests with no database, no broker and no network. Each fake keeps the
contract of its SQL repository (services/sso/adapters/*_repo.py): what it returns, and the
conditions under which a write takes (a code redeemed once, a refresh token used once)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from contracts.events import CATALOGUE
from servicekit.clock import FixedClock
from servicekit.settings import Settings
from servicekit.testing.fakes import FakeUnitOfWork
from services.sso.adapters.upstream_logins_repo import UpstreamLogin
from services.sso.config import SsoConfig
from services.sso.domain.accounts import Account
from services.sso.domain.clients import FIRST_PARTY, Client
from services.sso.domain.grants import AuthorizationCode, PendingRequest, RefreshToken, StoredGrant
from services.sso.domain.sessions import LogoutDelivery, StoredSession

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def config(**environ: str) -> SsoConfig:
    """Settings with every secret given: reading them touches no file."""
    return SsoConfig(Settings.from_env("sso", {
        "SSO_DATA_DIR": "/nonexistent/sso-unit", "SSO_TOKEN_ISSUER": "https://sso.example",
        "SSO_PAIRWISE_KEY": "unit-test-pairwise-key", "SSO_FORM_KEY": "unit-test-form-key",
        "SSO_KEY_ENCRYPTION_KEY": "unit-test-key-encryption-key-unit-test-key-encryption",
        **environ}))


def clock() -> FixedClock:
    return FixedClock(NOW)


class FakeAccounts:
    def __init__(self) -> None:
        self.accounts: dict[str, Account] = {}
        self.test_accounts: set[str] = set()

    def get(self, account_id: str | None) -> Account | None:
        return self.accounts.get(account_id or "")

    def by_login(self, name: str) -> Account | None:
        return next((a for a in self.accounts.values() if a.login == name), None)

    def id_of_login(self, name: str) -> str | None:
        account = self.by_login(name)
        return account.account_id if account else None

    def is_test_account(self, account_id: str) -> bool:
        return account_id in self.test_accounts


class FakeClients:
    def __init__(self) -> None:
        self.clients: dict[str, Client] = {}
        self.history_rows: list[dict[str, Any]] = []

    def get(self, client_id: str | None) -> Client | None:
        return self.clients.get(client_id or "")

    def all(self) -> list[Client]:
        return [self.clients[key] for key in sorted(self.clients)]

    def enabled_partners(self) -> list[Client]:
        return [c for c in self.all() if c.kind == "partner" and c.status == "enabled"]

    def add(self, client: Client, created_at: datetime) -> None:
        assert client.client_id not in self.clients, "the table's primary key"
        self.clients[client.client_id] = replace(client, created_at=created_at)

    def save(self, client: Client, expected_version: int) -> bool:
        stored = self.clients.get(client.client_id)
        if stored is None or stored.version != expected_version:
            return False
        self.clients[client.client_id] = client
        return True

    def add_history(self, client_id: str, status: str, at: datetime, by: str,
                    note: str | None) -> None:
        self.history_rows.append({"client_id": client_id, "status": status, "at": at,
                                  "by": by, "note": note})

    def history(self, client_id: str) -> list[dict[str, Any]]:
        return [{k: v for k, v in row.items() if k != "client_id"}
                for row in self.history_rows if row["client_id"] == client_id]


class FakeSessions:
    def __init__(self) -> None:
        self.rows: list[StoredSession] = []

    def add(self, stored: StoredSession) -> None:
        self.rows.append(stored)

    def _replace(self, old: StoredSession, new: StoredSession) -> None:
        self.rows[self.rows.index(old)] = new

    def live_by_cookie(self, cookie_hash: str, now: datetime) -> StoredSession | None:
        return next((s for s in self.rows if s.cookie_hash == cookie_hash
                     and s.ended_at is None and s.expires_at > now), None)

    def end_by_cookie(self, cookie_hash: str, now: datetime) -> str | None:
        for s in list(self.rows):
            if s.cookie_hash == cookie_hash and s.ended_at is None:
                self._replace(s, replace(s, ended_at=now))
                return s.sid
        return None

    def end(self, sid: str, now: datetime) -> bool:
        for s in list(self.rows):
            if s.sid == sid and s.ended_at is None:
                self._replace(s, replace(s, ended_at=now))
                return True
        return False

    def end_all_of(self, account_id: str, now: datetime, keeping_sid: str | None = None) -> None:
        for s in list(self.rows):
            if s.account_id == account_id and s.ended_at is None and s.sid != keeping_sid:
                self._replace(s, replace(s, ended_at=now))

    def end_of_unended(self, sid: str) -> datetime | None:
        return next((s.expires_at for s in self.rows if s.sid == sid and s.ended_at is None),
                    None)

    def by_sid(self, sid: str) -> StoredSession:
        return next(s for s in self.rows if s.sid == sid)


class FakeGrants:
    def __init__(self, clients: FakeClients, sessions: FakeSessions) -> None:
        self._clients, self._sessions = clients, sessions
        self.requests: dict[str, PendingRequest] = {}
        self.codes: dict[str, AuthorizationCode] = {}
        self.grants: dict[str, StoredGrant] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}

    def add_request(self, request: PendingRequest) -> None:
        self.requests[request.request_id] = request

    def live_request(self, request_id: str, now: datetime) -> PendingRequest | None:
        request = self.requests.get(request_id)
        return request if request is not None and request.expires_at > now else None

    def remove_request(self, request_id: str) -> None:
        self.requests.pop(request_id, None)

    def add_code(self, code: AuthorizationCode) -> None:
        self.codes[code.code_hash] = code

    def redeem_code(self, code_hash: str, client_id: str, now: datetime) -> AuthorizationCode | None:
        code = self.codes.get(code_hash)
        if code is None or code.client_id != client_id or code.redeemed_at is not None:
            return None
        self.codes[code_hash] = replace(code, redeemed_at=now)
        return self.codes[code_hash]

    def code(self, code_hash: str, client_id: str) -> AuthorizationCode | None:
        code = self.codes.get(code_hash)
        return code if code is not None and code.client_id == client_id else None

    def set_code_grant(self, code_hash: str, grant_id: str) -> None:
        self.codes[code_hash] = replace(self.codes[code_hash], grant_id=grant_id)

    def add(self, grant: StoredGrant) -> None:
        self.grants[grant.grant_id] = grant

    def get(self, grant_id: str) -> StoredGrant | None:
        return self.grants.get(grant_id)

    def unrevoked(self, grant_id: str) -> StoredGrant | None:
        grant = self.grants.get(grant_id)
        return grant if grant is not None and grant.revoked_at is None else None

    def extend(self, grant_id: str, expires_at: datetime) -> None:
        self.grants[grant_id] = replace(self.grants[grant_id], expires_at=expires_at)

    def revoke(self, grant_id: str, now: datetime, reason: str) -> bool:
        grant = self.unrevoked(grant_id)
        if grant is None:
            return False
        self.grants[grant_id] = replace(grant, revoked_at=now, revoked_reason=reason)
        return True

    def live_of(self, *, client_id: str | None = None, sid: str | None = None) -> list[StoredGrant]:
        return [g for g in self.grants.values() if g.revoked_at is None
                and (client_id is None or g.client_id == client_id)
                and (sid is None or g.sid == sid)]

    def revoke_all_of(self, account_id: str, now: datetime, reason: str,
                      keeping_grant: str | None = None) -> list[tuple[str, str | None]]:
        ended = []
        for grant in list(self.grants.values()):
            if grant.account_id == account_id and grant.revoked_at is None \
                    and grant.grant_id != keeping_grant:
                self.revoke(grant.grant_id, now, reason)
                ended.append((grant.client_id, grant.sid))
        return ended

    def revoke_session_bound(self, now: datetime, *, sid: str | None = None) -> int:
        live = {s.sid for s in self._sessions.rows if s.ended_at is None and s.expires_at > now}
        count = 0
        for grant in list(self.grants.values()):
            client = self._clients.get(grant.client_id)
            which = grant.sid == sid if sid is not None else (
                grant.sid is None or grant.sid not in live)
            if which and client is not None and client.kind == FIRST_PARTY \
                    and self.revoke(grant.grant_id, now, "session-ended"):
                count += 1
        return count

    def add_refresh_token(self, token: RefreshToken) -> None:
        self.refresh_tokens[token.token_hash] = token

    def refresh_token(self, token_hash: str) -> RefreshToken | None:
        return self.refresh_tokens.get(token_hash)

    def use_refresh_token(self, token_hash: str, now: datetime) -> bool:
        token = self.refresh_tokens.get(token_hash)
        if token is None or token.used_at is not None:
            return False
        self.refresh_tokens[token_hash] = replace(token, used_at=now)
        return True


class FakeLogoutDeliveries:
    def __init__(self) -> None:
        self.rows: dict[int, LogoutDelivery] = {}

    def add(self, client_id: str, uri: str, subject: str, sid: str | None,
            created_at: datetime) -> int:
        delivery_id = len(self.rows) + 1
        self.rows[delivery_id] = LogoutDelivery(delivery_id, client_id, uri, subject, sid,
                                                created_at, 0)
        return delivery_id

    def waiting(self, ids: Sequence[int] | None, max_attempts: int,
                limit: int) -> list[LogoutDelivery]:
        return [d for key, d in sorted(self.rows.items())
                if d.sent_at is None and d.attempts < max_attempts
                and (ids is None or key in ids)][:limit]

    def attempted(self, delivery_id: int, attempts: int, error: str | None,
                  sent_at: datetime | None) -> None:
        self.rows[delivery_id] = replace(self.rows[delivery_id], attempts=attempts,
                                         last_error=error, sent_at=sent_at)


class FakeLoginRecords:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, at: datetime, login: str, account_id: str | None, method: str, outcome: str,
            county_code: str | None, client_address: str | None,
            user_agent: str | None) -> None:
        self.rows.append({"at": at, "login": login, "account_id": account_id, "method": method,
                          "outcome": outcome, "county_code": county_code,
                          "client_address": client_address, "user_agent": user_agent})


class FakeUpstreamLogins:
    def __init__(self) -> None:
        self.rows: dict[str, UpstreamLogin] = {}

    def add(self, login: UpstreamLogin) -> None:
        self.rows[login.state_hash] = login

    def take(self, state_hash: str, county_code: str, now: datetime) -> UpstreamLogin | None:
        login = self.rows.get(state_hash)
        if login is None or login.county_code != county_code or login.expires_at <= now:
            return None
        return self.rows.pop(state_hash)


class FakeSsoUnitOfWork(FakeUnitOfWork):
    """Every sso repository in memory. What a use case asks to run after the commit is
    kept in ``after_commit_work`` (kind, ids) once the work commits, and not run."""

    def __init__(self) -> None:
        self.after_commit_work: list[tuple[str, list[int]]] = []
        self._after_commit: list[tuple[str, list[int]]] = []
        super().__init__("sso", CATALOGUE)

    def open_repositories(self) -> None:
        self.accounts = FakeAccounts()
        self.clients = FakeClients()
        self.sessions = FakeSessions()
        self.grants = FakeGrants(self.clients, self.sessions)
        self.logout_deliveries = FakeLogoutDeliveries()
        self.login_records = FakeLoginRecords()
        self.upstream_logins = FakeUpstreamLogins()

    def after_commit(self, kind: str, work: Any, ids: list[int | None]) -> None:
        wanted = [i for i in ids if i is not None]
        if wanted:
            self._after_commit.append((kind, wanted))

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        pending, self._after_commit = self._after_commit, []
        if kind is None:
            self.after_commit_work.extend(pending)
        super().__exit__(kind, error, trace)


class FakeSigner:
    """Signs nothing: it keeps the claims and answers a token that names them."""

    def __init__(self) -> None:
        self.signed: list[tuple[dict[str, Any], str | None]] = []

    def sign(self, claims: dict[str, Any], typ: str | None = None) -> str:
        self.signed.append((dict(claims), typ))
        return f"signed.{len(self.signed)}.token"


class FakeKeys:
    def __init__(self) -> None:
        self.signer_ = FakeSigner()

    def signer(self) -> FakeSigner:
        return self.signer_
