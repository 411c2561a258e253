"""The sso service's unit of work with in-memory repositories, for handler tests that run
with no database, no broker and no mail server (cosmicpython's ``FakeUnitOfWork``).

Each repository keeps plain dicts and answers as its SQL twin in ``services/sso/adapters``
does. What a ``with`` changed is undone when it leaves with an error, as the database's
rollback undoes it; events are kept only when the work commits (the kit's fake)."""
from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from contracts.events import CATALOGUE
from servicekit.clock import FixedClock
from servicekit.testing.fakes import FakeUnitOfWork
from services.sso.adapters.county_links_repo import ConnectorRow, CountyLink, LinkTaken
from services.sso.adapters.credentials_repo import PasswordLink, QueuedMail
from services.sso.adapters.mailer import Mail
from services.sso.adapters.name_digests import NameDigests
from services.sso.adapters.notices_repo import Notice, NoticeDelivery
from services.sso.adapters.passwords import Passwords
from services.sso.config import Argon2Parameters
from services.sso.domain.accounts import Account
from services.sso.domain.clients import Client
from services.sso.handlers.credentials import Checking
from services.sso.handlers.password_mails import Mailing

MOMENT = datetime(2026, 3, 9, 1, 0, tzinfo=UTC)
CHEAP_ARGON2 = Argon2Parameters(time_cost=1, memory_kib=1024, parallelism=1)


class FakeAccounts:
    def __init__(self) -> None:
        self.rows: dict[str, Account] = {}

    def get(self, account_id: str | None) -> Account | None:
        return self.rows.get(account_id) if account_id else None

    def by_login(self, name: str) -> Account | None:
        return next((a for a in self.rows.values() if a.login == name), None)

    def id_of_login(self, name: str) -> str | None:
        account = self.by_login(name)
        return account.account_id if account else None


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
        self.accounts.rows[account_id] = Account(**fields)
        return True

    def put_grant(self, values: dict[str, Any], at: datetime) -> None:
        kept = self.grants.get(values["grant_id"])
        if kept is None or kept["version"] < values["version"] or (
                kept["version"] == values["version"] and not values["active"]):
            self.grants[values["grant_id"]] = dict(values)


class FakePartnerTestAccounts:
    def __init__(self) -> None:
        self.ids: set[str] = set()

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


class FakeClients:
    def __init__(self) -> None:
        self.rows: dict[str, Client] = {}

    def get(self, client_id: str | None) -> Client | None:
        return self.rows.get(client_id) if client_id else None

    def enabled_partners(self) -> list[Client]:
        return [c for c in self.rows.values() if c.kind == "partner" and c.status == "enabled"]


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


@dataclass(frozen=True)
class LoginRecord:
    at: datetime
    login: str
    account_id: str | None
    method: str
    outcome: str
    county_code: str | None
    client_address: str | None
    user_agent: str | None


class FakeLoginRecords:
    def __init__(self) -> None:
        self.rows: list[LoginRecord] = []

    def add(self, *values: Any) -> None:
        self.rows.append(LoginRecord(*values))


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


_STATE = ("accounts", "accounts_replica", "partner_test_accounts", "clients", "county_links",
          "county_connectors", "credentials", "password_links", "login_records", "notices")


class FakeSsoUnitOfWork(FakeUnitOfWork):
    """``ended_sign_ins``: (account id, reason, kept grant) for each account whose sign-ins
    committed work ended. ``after_commit_work``: what was to start after a commit."""

    def __init__(self) -> None:
        super().__init__("sso", CATALOGUE)
        self.ended_sign_ins: list[tuple[str, str, str | None]] = []
        self.after_commit_work: list[tuple[str, Callable[[list[int]], object], list[int]]] = []
        self._snapshot: dict[str, Any] | None = None
        self._pending_work: list[Any] = []
        self._pending_sign_outs: list[tuple[str, str, str | None]] = []

    def open_repositories(self) -> None:
        self.accounts = FakeAccounts()
        self.accounts_replica = FakeAccountsReplica(self.accounts)
        self.partner_test_accounts = FakePartnerTestAccounts()
        self.clients = FakeClients()
        self.county_links = FakeCountyLinks()
        self.county_connectors = FakeCountyConnectors()
        self.credentials = FakeCredentials()
        self.password_links = FakePasswordLinks()
        self.login_records = FakeLoginRecords()
        self.notices = FakeNotices()

    def __enter__(self) -> FakeSsoUnitOfWork:
        super().__enter__()
        self._snapshot = {name: copy.deepcopy(vars(getattr(self, name))) for name in _STATE}
        return self

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        super().__exit__(kind, error, trace)
        snapshot, self._snapshot = self._snapshot, None
        work, self._pending_work = self._pending_work, []
        sign_outs, self._pending_sign_outs = self._pending_sign_outs, []
        if kind is None:
            self.after_commit_work.extend(work)
            self.ended_sign_ins.extend(sign_outs)
        elif snapshot is not None:  # the rollback
            for name, state in snapshot.items():
                vars(getattr(self, name)).update(state)

    def after_commit(self, kind: str, work: Callable[[list[int]], object],
                     ids: list[int | None]) -> None:
        self._pending_work.append((kind, work, [i for i in ids if i is not None]))

    def end_sign_ins(self, account_id: str, reason: str,
                     keeping_grant: str | None = None) -> None:
        """What a use case's ``SignOut`` does here: counted, kept if the work commits."""
        self._pending_sign_outs.append((account_id, reason, keeping_grant))

    def run_after_commit_work(self) -> None:
        """What the background thread would do once the request's work has committed."""
        work, self.after_commit_work = self.after_commit_work, []
        for _kind, run, ids in work:
            run(ids)

    # -- arranging ------------------------------------------------------------------------
    def add_account(self, login: str, kind: str = "teacher", status: str = "enabled",
                    **fields: Any) -> Account:
        account = Account(account_id=fields.pop("account_id", str(uuid.uuid5(uuid.NAMESPACE_URL, login))), login=login,
                          kind=kind, status=status, display_name=f"{login} 老師",
                          email=fields.pop("email", f"{login}@school.example.tw"), **fields)
        self.accounts.rows[account.account_id] = account
        return account


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
