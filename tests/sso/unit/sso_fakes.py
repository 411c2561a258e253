"""In-memory sso repositories and a fake unit of work (cosmicpython's ``FakeUnitOfWork``)
for handler tests with no database, no broker and no network. Each fake keeps the
contract of its SQL repository (services/sso/adapters/*_repo.py): what it returns, and the
conditions under which a write takes (a code redeemed once, a refresh token used once).
``World`` gathers a fake unit of work with the rest a use case may take (a fixed clock, a
counting throttle, a mailer that keeps what it is given, cheap password hashes)."""
from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from contracts.events import CATALOGUE
from servicekit.clock import FixedClock
from servicekit.mail import Mail
from servicekit.settings import Settings
from servicekit.testing.fakes import FakeUnitOfWork
from services.sso.adapters.county_links_repo import ConnectorRow, CountyLink, LinkTaken
from services.sso.adapters.credentials_repo import PasswordLink, QueuedMail
from services.sso.adapters.name_digests import NameDigests
from services.sso.adapters.notices_repo import Notice, NoticeDelivery
from services.sso.adapters.passwords import Passwords
from services.sso.adapters.upstream_logins_repo import UpstreamLogin
from services.sso.config import Argon2Parameters, SsoConfig
from services.sso.domain.accounts import Account
from services.sso.domain.clients import FIRST_PARTY, Client
from services.sso.domain.grants import AuthorizationCode, PendingRequest, RefreshToken, StoredGrant
from services.sso.domain.sessions import LogoutDelivery, StoredSession
from services.sso.handlers.credentials import Checking
from services.sso.handlers.password_mails import Mailing

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
MOMENT = datetime(2026, 3, 9, 1, 0, tzinfo=UTC)
CHEAP_ARGON2 = Argon2Parameters(time_cost=1, memory_kib=1024, parallelism=1)


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


class FakeAccountsReplica:
    """Newer version wins, into the fake's accounts (roles kept by grant id)."""

    def __init__(self, accounts: FakeAccounts) -> None:
        self.accounts = accounts
        self.versions: dict[str, int] = {}
        self.grants: dict[str, dict[str, Any]] = {}

    def put_account(self, values: dict[str, Any], at: datetime) -> bool:
        account_id = values["account_id"]
        if self.versions.get(account_id, 0) >= values["version"]:
            return False
        self.versions[account_id] = values["version"]
        fields = {k: v for k, v in values.items() if k != "version"}
        self.accounts.accounts[account_id] = Account(**fields)
        return True

    def put_grant(self, values: dict[str, Any], at: datetime) -> None:
        kept = self.grants.get(values["grant_id"])
        if kept is None or kept["version"] < values["version"] or (
                kept["version"] == values["version"] and not values["active"]):
            self.grants[values["grant_id"]] = dict(values)


class FakePartnerTestAccounts:
    """The same set the accounts' ``is_test_account`` reads (one table)."""

    def __init__(self, accounts: FakeAccounts) -> None:
        self.ids = accounts.test_accounts

    def has(self, account_id: str) -> bool:
        return account_id in self.ids

    def add(self, account_id: str, by: str, at: datetime) -> None:
        self.ids.add(account_id)

    def remove(self, account_id: str) -> bool:
        found = account_id in self.ids
        self.ids.discard(account_id)
        return found

    def all_ids(self) -> list[str]:
        return sorted(self.ids)


class FakeCountyLinks:
    def __init__(self) -> None:
        self.links: dict[int, CountyLink] = {}
        self.subjects: dict[int, str] = {}  # link id → county subject digest
        self.unlinked: list[dict[str, Any]] = []
        self.arrivals: dict[str, dict[str, Any]] = {}
        self.last_id = 0

    def _new_id(self) -> int:
        self.last_id += 1
        return self.last_id

    def link_of_subject(self, county_code: str, subject_digest: str) -> CountyLink | None:
        return next((link for link_id, link in self.links.items()
                     if link.county_code == county_code
                     and self.subjects[link_id] == subject_digest), None)

    def links_of(self, account_id: str) -> list[CountyLink]:
        return sorted((link for link in self.links.values() if link.account_id == account_id),
                      key=lambda link: link.county_code)

    def link_for_update(self, link_id: int) -> CountyLink | None:
        return self.links.get(link_id)

    def add_link(self, county_code: str, subject_digest: str, account_id: str, at: datetime,
                 by: str, proposed_by: str | None, profile_digest: str | None) -> None:
        if any(link.county_code == county_code and (
                self.subjects[i] == subject_digest or link.account_id == account_id)
               for i, link in self.links.items()):
            raise LinkTaken
        link_id = self._new_id()
        self.links[link_id] = CountyLink(link_id, county_code, account_id, at, by, proposed_by,
                                         profile_digest)
        self.subjects[link_id] = subject_digest

    def set_profile_digest(self, link_id: int, profile_digest: str) -> None:
        self.links[link_id] = replace(self.links[link_id], profile_digest=profile_digest)

    def unlink(self, link: CountyLink, at: datetime, by: str, reason: str) -> None:
        del self.links[link.link_id]
        self.unlinked.append({"link": link, "at": at, "by": by, "reason": reason})

    def arrival(self, arrival_id: str, statuses: tuple[str, ...],
                live_at: datetime | None = None,
                proposed_account_id: str | None = None) -> dict[str, Any] | None:
        a = self.arrivals.get(arrival_id)
        if a is None or a["status"] not in statuses:
            return None
        if live_at is not None and a["expires_at"] <= live_at:
            return None
        if proposed_account_id is not None and a["proposed_account_id"] != proposed_account_id:
            return None
        return dict(a)

    def proposal_waiting_for(self, county_code: str, subject_digest: str, status: str,
                             live_at: datetime) -> str | None:
        found = [a for a in self.arrivals.values()
                 if (a["county_code"], a["county_subject"], a["status"]) ==
                 (county_code, subject_digest, status) and a["expires_at"] > live_at]
        found.sort(key=lambda a: a["proposed_at"], reverse=True)
        return found[0]["arrival_id"] if found else None

    def add_arrival(self, **values: Any) -> None:
        self.arrivals[values["arrival_id"]] = {
            "decided_by": None, "proposed_account_id": None, "proposed_by": None,
            "proposed_at": None, **values}

    def change_arrival(self, arrival_id: str, statuses: tuple[str, ...], **values: Any) -> bool:
        a = self.arrivals.get(arrival_id)
        if a is None or a["status"] not in statuses:
            return False
        a.update(values)
        return True

    def proposed_to(self, account_id: str, status: str, live_at: datetime) -> list[dict[str, Any]]:
        return sorted((dict(a) for a in self.arrivals.values()
                       if a["proposed_account_id"] == account_id and a["status"] == status
                       and a["expires_at"] > live_at), key=lambda a: a["proposed_at"])

    def waiting(self, statuses: tuple[str, ...], live_at: datetime,
                county_code: str | None) -> list[dict[str, Any]]:
        return sorted((dict(a) for a in self.arrivals.values()
                       if a["status"] in statuses and a["expires_at"] > live_at
                       and (not county_code or a["county_code"] == county_code)),
                      key=lambda a: a["created_at"])

    def remove_expired_arrivals(self, before: datetime) -> int:
        gone = [i for i, a in self.arrivals.items() if a["expires_at"] < before]
        for arrival_id in gone:
            del self.arrivals[arrival_id]
        return len(gone)


class FakeCountyConnectors:
    def __init__(self) -> None:
        self.rows: dict[str, ConnectorRow] = {}

    def all(self, enabled_only: bool) -> list[ConnectorRow]:
        return [self.rows[c] for c in sorted(self.rows)
                if self.rows[c].enabled or not enabled_only]

    def get(self, county_code: str) -> ConnectorRow | None:
        return self.rows.get(county_code)

    def put(self, county_code: str, **values: Any) -> None:
        old = self.rows.get(county_code)
        self.rows[county_code] = replace(old, **values) if old else ConnectorRow(
            county_code=county_code, secret_sealed=values.pop("secret_sealed", None), **values)


class FakeCredentials:
    def __init__(self) -> None:
        self.hashes: dict[str, str] = {}
        self.changes: list[dict[str, Any]] = []

    def password_hash(self, account_id: str) -> str | None:
        return self.hashes.get(account_id)

    def store(self, hashes: dict[str, str], at: datetime, method: str | None,
              client_address: str | None = None) -> None:
        self.hashes.update(hashes)
        if method is not None:
            self.changes.extend({"account_id": a, "changed_at": at, "method": method,
                                 "client_address": client_address} for a in hashes)


class FakePasswordLinks:
    def __init__(self) -> None:
        self.links: dict[str, dict[str, Any]] = {}
        self.mails: dict[int, dict[str, Any]] = {}
        self.operator_links: list[dict[str, Any]] = []
        self.last_id = 0

    def _new_id(self) -> int:
        self.last_id += 1
        return self.last_id

    def add(self, token_hash: str, account_id: str, purpose: str, requested_by: str,
            at: datetime, expires_at: datetime) -> None:
        self.links[token_hash] = {"account_id": account_id, "purpose": purpose,
                                  "requested_by": requested_by, "created_at": at,
                                  "expires_at": expires_at, "used_at": None}

    def get(self, token_hash: str) -> PasswordLink | None:
        row = self.links.get(token_hash)
        return PasswordLink(token_hash, row["account_id"], row["purpose"], row["expires_at"],
                            row["used_at"]) if row else None

    def use(self, token_hash: str, at: datetime) -> bool:
        row = self.links.get(token_hash)
        if row is None or row["used_at"] is not None:
            return False
        row["used_at"] = at
        return True

    def withdraw(self, token_hash: str) -> None:
        self.links.pop(token_hash, None)

    def withdraw_open(self, account_id: str, purpose: str) -> None:
        for token_hash, row in list(self.links.items()):
            if (row["account_id"], row["purpose"], row["used_at"]) == (account_id, purpose, None):
                del self.links[token_hash]

    def add_operator_link(self, account_id: str, login: str, issued_by: str, os_user: str,
                          host: str, at: datetime, expires_at: datetime) -> None:
        self.operator_links.append({"account_id": account_id, "login": login,
                                    "issued_by": issued_by, "issued_at": at})

    def queue_mail(self, account_id: str | None, purpose: str, requested_by: str,
                   at: datetime) -> int:
        mail_id = self._new_id()
        self.mails[mail_id] = {"account_id": account_id, "purpose": purpose,
                               "requested_by": requested_by, "created_at": at, "attempts": 0,
                               "tried_at": None, "done_at": None, "outcome": None,
                               "last_error": None}
        return mail_id

    def waiting_mails(self, ids: list[int] | None, tried_before: datetime, max_attempts: int,
                      limit: int) -> list[QueuedMail]:
        found = [QueuedMail(i, m["account_id"], m["purpose"], m["requested_by"], m["attempts"])
                 for i, m in sorted(self.mails.items())
                 if m["done_at"] is None and m["attempts"] < max_attempts
                 and (i in ids if ids is not None
                      else m["tried_at"] is None or m["tried_at"] <= tried_before)]
        return found[:limit]

    def claim_mail(self, mail: QueuedMail, at: datetime) -> bool:
        m = self.mails[mail.mail_id]
        if m["attempts"] != mail.attempts or m["done_at"] is not None:
            return False
        m.update(attempts=mail.attempts + 1, tried_at=at)
        return True

    def close_mail(self, mail_id: int, at: datetime, outcome: str) -> None:
        self.mails[mail_id].update(done_at=at, outcome=outcome, last_error=None)

    def mail_failed(self, mail_id: int, error: str) -> None:
        self.mails[mail_id]["last_error"] = error


class FakeNotices:
    def __init__(self) -> None:
        self.rows: dict[str, Notice] = {}
        self.deliveries: dict[int, NoticeDelivery] = {}
        self.last_id = 0

    def _new_id(self) -> int:
        self.last_id += 1
        return self.last_id

    def add(self, notice: Notice, recipients_by_client: dict[str, tuple[str, ...]]) -> None:
        self.rows[notice.notice_id] = notice
        for client_id, recipients in recipients_by_client.items():
            delivery_id = self._new_id()
            self.deliveries[delivery_id] = NoticeDelivery(
                delivery_id, notice.notice_id, client_id, tuple(recipients), 0, None, None)

    def get(self, notice_id: str) -> Notice | None:
        return self.rows.get(notice_id)

    def newest(self, limit: int) -> list[Notice]:
        return sorted(self.rows.values(), key=lambda n: n.created_at, reverse=True)[:limit]

    def deliveries_of(self, notice_id: str) -> list[NoticeDelivery]:
        return [d for d in self.deliveries.values() if d.notice_id == notice_id]

    def unsent(self, max_attempts: int) -> list[tuple[NoticeDelivery, Notice]]:
        return [(d, self.rows[d.notice_id]) for d in self.deliveries.values()
                if d.sent_at is None and d.attempts < max_attempts]

    def tried(self, delivery: NoticeDelivery, failure: str | None, at: datetime) -> None:
        self.deliveries[delivery.delivery_id] = replace(
            delivery, attempts=delivery.attempts + 1, last_error=failure,
            sent_at=None if failure else at)


# The repositories whose state a rolled-back ``with`` restores (self-contained ones; the
# OIDC repositories share their rows with each other and are left as the work left them).
_RESTORED = ("county_links", "county_connectors", "credentials", "password_links", "notices")


class FakeSsoUnitOfWork(FakeUnitOfWork):
    """Every sso repository in memory. What a use case asks to run after the commit is
    kept in ``after_commit_work`` (kind, ids) once the work commits, and not run
    (``run_after_commit_work`` runs it, as the background thread would). ``ended_sign_ins``:
    (account id, reason, kept grant) for each account whose sign-ins committed work ended
    through ``end_sign_ins`` (what a test's ``SignOut`` calls)."""

    def __init__(self) -> None:
        self.after_commit_work: list[tuple[str, list[int]]] = []
        self.ended_sign_ins: list[tuple[str, str, str | None]] = []
        self._after_commit: list[tuple[str, list[int]]] = []
        self._runs: list[tuple[Callable[[list[int]], object], list[int]]] = []
        self._pending_runs: list[tuple[Callable[[list[int]], object], list[int]]] = []
        self._pending_sign_outs: list[tuple[str, str, str | None]] = []
        self._snapshot: dict[str, Any] | None = None
        super().__init__("sso", CATALOGUE)

    def open_repositories(self) -> None:
        self.accounts = FakeAccounts()
        self.clients = FakeClients()
        self.sessions = FakeSessions()
        self.grants = FakeGrants(self.clients, self.sessions)
        self.logout_deliveries = FakeLogoutDeliveries()
        self.login_records = FakeLoginRecords()
        self.upstream_logins = FakeUpstreamLogins()
        self.accounts_replica = FakeAccountsReplica(self.accounts)
        self.partner_test_accounts = FakePartnerTestAccounts(self.accounts)
        self.county_links = FakeCountyLinks()
        self.county_connectors = FakeCountyConnectors()
        self.credentials = FakeCredentials()
        self.password_links = FakePasswordLinks()
        self.notices = FakeNotices()

    def __enter__(self) -> FakeSsoUnitOfWork:
        super().__enter__()
        self._snapshot = {name: copy.deepcopy(vars(getattr(self, name))) for name in _RESTORED}
        return self

    def after_commit(self, kind: str, work: Any, ids: list[int | None]) -> None:
        wanted = [i for i in ids if i is not None]
        if wanted:
            self._after_commit.append((kind, wanted))
            self._pending_runs.append((work, wanted))

    def end_sign_ins(self, account_id: str, reason: str,
                     keeping_grant: str | None = None) -> None:
        self._pending_sign_outs.append((account_id, reason, keeping_grant))

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        pending, self._after_commit = self._after_commit, []
        runs, self._pending_runs = self._pending_runs, []
        sign_outs, self._pending_sign_outs = self._pending_sign_outs, []
        snapshot, self._snapshot = self._snapshot, None
        if kind is None:
            self.after_commit_work.extend(pending)
            self._runs.extend(runs)
            self.ended_sign_ins.extend(sign_outs)
        elif snapshot is not None:  # the rollback
            for name, state in snapshot.items():
                vars(getattr(self, name)).update(state)
        super().__exit__(kind, error, trace)

    def run_after_commit_work(self) -> None:
        """What the background thread does once the request's work has committed."""
        runs, self._runs = self._runs, []
        for work, ids in runs:
            work(ids)

    # -- arranging ------------------------------------------------------------------------
    def add_account(self, login: str, kind: str = "teacher", status: str = "enabled",
                    **fields: Any) -> Account:
        account = Account(account_id=fields.pop("account_id", str(uuid.uuid5(uuid.NAMESPACE_URL, login))),
                          login=login, kind=kind, status=status, display_name=f"{login} 老師",
                          email=fields.pop("email", f"{login}@school.example.tw"), **fields)
        self.accounts.accounts[account.account_id] = account
        return account


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


class FakeThrottle:
    """Counts per key as the real one does, in memory: ``limit`` places, then locked."""

    def __init__(self, limit: int = 5, lock_seconds: int = 900) -> None:
        self.limit = limit
        self.lock_seconds = lock_seconds
        self.attempts: dict[str, int] = {}

    def reserve(self, *keys: str) -> bool:
        if any(self.attempts.get(key, 0) >= self.limit for key in keys):
            return False
        for key in keys:
            self.attempts[key] = self.attempts.get(key, 0) + 1
        return True

    def failed(self, *keys: str) -> None:
        """Places taken stay taken: a failure counts."""

    def succeeded(self, *keys: str) -> None:
        for key in keys:
            self.attempts[key] = 0

    def release(self, *keys: str) -> None:
        for key in keys:
            self.attempts[key] = max(self.attempts.get(key, 0) - 1, 0)


@dataclass
class FakeMailer:
    """Keeps what it was given; ``failing`` makes the server unreachable."""
    sent: list[Mail] = field(default_factory=list)
    failing: bool = False

    def send(self, mails: list[Mail]) -> list[str | None]:
        if self.failing:
            raise ConnectionRefusedError("no mail server here")
        self.sent.extend(mails)
        return [None] * len(mails)


@dataclass
class World:
    """One fake unit of work and everything else a handler may take."""
    uow: FakeSsoUnitOfWork = field(default_factory=FakeSsoUnitOfWork)
    clock: FixedClock = field(default_factory=lambda: FixedClock(MOMENT))
    throttle: FakeThrottle = field(default_factory=FakeThrottle)
    mailer: FakeMailer = field(default_factory=FakeMailer)
    passwords: Passwords = field(default_factory=lambda: Passwords(CHEAP_ARGON2))
    names: NameDigests = field(default_factory=lambda: NameDigests(b"a pairwise key for tests"))

    @property
    def checking(self) -> Checking:
        return Checking(self.passwords, self.throttle, self.names, self.clock)  # type: ignore[arg-type]

    def sign_out(self, uow: FakeSsoUnitOfWork, account_id: str, reason: str,
                 keeping_grant: str | None = None) -> None:
        uow.end_sign_ins(account_id, reason, keeping_grant)

    @property
    def mailing(self) -> Mailing:
        return Mailing(lambda: self.uow, self.mailer, self.clock,
                       lambda path: "https://sso.example.tw" + path)

    def with_password(self, account: Account, password: str) -> None:
        self.uow.credentials.hashes[account.account_id] = self.passwords.hash(password)
