"""The accounts service's unit of work with in-memory repositories, for handler tests
that run with no database (cosmicpython's FakeUnitOfWork): what a handler reads and
writes through ``uow.accounts``, ``uow.grants``, ``uow.units``, ``uow.authorities`` and
``uow.transfers`` lives in dicts that outlive each ``with``, as a database would; events
are checked against the contract and kept only if the work commits.

The fakes keep what a handler stored, not what a later read would derive: e.g. a unit's
authority is the one it was added with (no jurisdiction history), enough for the rules
the unit tests exercise."""
from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from contracts.events import CATALOGUE
from servicekit.testing.fakes import FakeUnitOfWork
from services.accounts.adapters.national_id_vault import NationalIdVault
from services.accounts.adapters.teacher_writers import NewTeacher
from services.accounts.domain.accounts import Account
from services.accounts.domain.authorities import AUTHORITIES, Authority
from services.accounts.domain.roles import RoleGrant
from services.accounts.domain.teachers import KnownTeacher, TeacherChange
from services.accounts.domain.transfers import Transfer
from services.accounts.domain.units import Unit

# Keys of the vault the fakes use (the service's own, with test secrets).
VAULT = NationalIdVault("unit test hash key " * 3, "unit test encryption key " * 3)


class InMemoryAccounts:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Account] = {}
        self.past: dict[uuid.UUID, list[tuple[str, date | None, date]]] = defaultdict(list)
        self.hashes: dict[bytes, uuid.UUID] = {}  # national-ID lookup hash → teacher
        self.next_login = 1

    def get(self, account_id: uuid.UUID, for_update: bool = False) -> Account | None:
        return self.rows.get(account_id)

    def by_login(self, login: str) -> Account | None:
        return next((a for a in self.rows.values() if a.login == login), None)

    def add(self, account: Account, at: datetime, lookup_hash: bytes | None = None,
            sealed: object = None) -> None:
        if account.account_id in self.rows or self.by_login(account.login):
            raise AssertionError(f"{account.login} stored twice")
        self.rows[account.account_id] = replace(account, created_at=at)

    def update(self, account: Account, at: datetime) -> None:
        if account.account_id not in self.rows:
            raise AssertionError(f"{account.login} updated before it was added")
        self.rows[account.account_id] = account

    def past_schools(self, account_id: uuid.UUID) -> list[tuple[str, date | None, date]]:
        return sorted(self.past[account_id], key=lambda past: past[2])

    def add_past_school(self, account_id: uuid.UUID, unit_code: str, since: date | None,
                        until: date) -> None:
        self.past[account_id].append((unit_code, since, until))

    def reserve_numbers(self, name: str, count: int) -> int:
        first, self.next_login = self.next_login, self.next_login + count
        return first

    def teachers_at(self, unit_code: str, limit: int, offset: int) -> list[Account]:
        found = sorted((a for a in self.rows.values()
                        if a.kind == "teacher" and a.unit_code == unit_code),
                       key=lambda a: a.login)
        return found[offset:offset + limit]


class InMemoryGrants:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, RoleGrant] = {}

    def for_account(self, account_id: uuid.UUID) -> list[RoleGrant]:
        return sorted((g for g in self.rows.values() if g.account_id == account_id),
                      key=lambda g: g.granted_at)

    def add(self, grant: RoleGrant) -> None:
        self.rows[grant.grant_id] = grant

    def save_revocation(self, grant: RoleGrant) -> None:
        self.rows[grant.grant_id] = grant


class InMemoryUnits:
    def __init__(self) -> None:
        self.rows: dict[str, Unit] = {}
        self.reads = 0  # how often a handler asked: a request reads a school once

    def get(self, code: str, day: date, for_update: bool = False) -> Unit | None:
        self.reads += 1
        return self.rows.get(code)

    def many(self, codes: list[str], day: date) -> dict[str, Unit]:
        self.reads += 1
        return {code: self.rows[code] for code in codes if code in self.rows}


class InMemoryTeacherWriter:
    """The import's writer on the in-memory accounts."""

    def __init__(self, accounts: InMemoryAccounts) -> None:
        self.accounts = accounts

    def __enter__(self) -> InMemoryTeacherWriter:
        return self

    def __exit__(self, *_: object) -> None:
        pass

    def lock(self) -> None:
        pass

    def settle(self) -> None:
        pass

    def existing(self, hashes: list[bytes]) -> dict[bytes, KnownTeacher]:
        found = {}
        for lookup_hash in hashes:
            account = self.accounts.rows.get(self.accounts.hashes.get(lookup_hash))  # type: ignore[arg-type]
            if account is not None:
                found[lookup_hash] = KnownTeacher(
                    str(account.account_id), account.login, account.status,
                    account.display_name, account.email, account.unit_code,
                    account.school_since, account.version)
        return found

    def create(self, teachers: Iterable[NewTeacher], at: datetime) -> list[NewTeacher]:
        made = list(teachers)
        for t in made:
            account_id = uuid.UUID(t.account_id)
            self.accounts.add(Account(account_id, t.login, "teacher", "enabled", t.display_name,
                                      t.email, t.unit_code, school_since=t.school_since), at)
            self.accounts.hashes[t.lookup_hash] = account_id
        return made

    def update(self, changes: list[tuple[str, TeacherChange]], at: datetime) -> None:
        for account_id, change in changes:
            known = self.accounts.rows[uuid.UUID(account_id)]
            self.accounts.update(replace(
                known, display_name=change.display_name, email=change.email,
                unit_code=change.unit_code, school_since=change.school_since,
                version=change.version), at)


class CollectedEvents:
    """The import's bulk outbox: its events recorded on the unit of work when written."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = uow
        self.pending: list[tuple[str, dict[str, Any]]] = []

    def add(self, event_type: str, data: dict[str, Any]) -> None:
        self.pending.append((event_type, data))

    def add_many_made(self, event_type: str, arguments: list[tuple[Any, ...]],
                      data: Callable[..., dict[str, Any]], data_json: Callable[..., str]) -> None:
        self.pending.extend((event_type, data(*args)) for args in arguments)

    @contextmanager
    def writing(self, session: object) -> Iterator[int]:
        for event_type, data in self.pending:
            self.uow.record(event_type, data)
        yield len(self.pending)


class InMemoryAuthorities:
    def __init__(self, *authorities: Authority) -> None:
        self.rows = {a.code: a for a in authorities}

    def get(self, code: str) -> Authority | None:
        return self.rows.get(code)


class InMemoryTransfers:
    def __init__(self) -> None:
        self.rows: list[Transfer] = []

    def add(self, transfers: list[Transfer]) -> None:
        self.rows.extend(transfers)

    def of_teacher(self, account_id: uuid.UUID) -> list[Transfer]:
        return [t for t in self.rows if t.account_id == account_id]


class FakeAccountsUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__("accounts", CATALOGUE)

    def open_repositories(self) -> None:
        self.accounts = InMemoryAccounts()
        self.grants = InMemoryGrants()
        self.units = InMemoryUnits()
        self.authorities = InMemoryAuthorities(*AUTHORITIES)
        self.transfers = InMemoryTransfers()

    # What the bulk import reaches through the unit of work.
    session = None

    def teacher_writer(self) -> InMemoryTeacherWriter:
        return InMemoryTeacherWriter(self.accounts)

    def bulk_events(self, _clock: object) -> CollectedEvents:
        return CollectedEvents(self)

    # Arranging a test's world, outside any use case.
    def school(self, code: str, authority: str, county: str | None = None,
               unit_type: str = "senior_high_school") -> Unit:
        unit = Unit(code, f"學校 {code}", unit_type, authority, county or authority)
        self.units.rows[code] = unit
        return unit

    def teacher(self, school: str | None, login: str = "teacher00001",
                since: date | None = date(2020, 8, 1), email: str | None = None) -> Account:
        account = Account(uuid.uuid4(), login, "teacher", "enabled", f"教師 {login}", email,
                          unit_code=school, school_since=since if school else None)
        self.accounts.rows[account.account_id] = account
        return account

    def staff(self, login: str, authority: str | None = None) -> Account:
        account = Account(uuid.uuid4(), login, "staff", "enabled", login,
                          authority_code=authority)
        self.accounts.rows[account.account_id] = account
        return account
