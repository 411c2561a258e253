"""The sso unit of work: one transaction, every sso repository on it, the outbox, and work
to run once it commits (back-channel logouts, mails: servicekit/after_commit.py).

    with dependencies.unit_of_work() as uow:
        grant = uow.grants.unrevoked(grant_id)
        uow.record(ACCOUNT_SIGNED_IN, {...})

A use case that runs inside a transaction someone else opened (the event consumer's,
whose inbox row commits with it) works on ``SsoUnitOfWork.joining(session, …)``: the same
repositories, no ``with``, the owner commits.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, Self

from sqlalchemy.orm import Session

from servicekit.after_commit import run_after_commit
from servicekit.bus.outbox import Outbox
from servicekit.db import Database
from servicekit.events import Envelope
from servicekit.uow import SqlUnitOfWork
from services.sso.adapters.accounts_replica_repo import (
    AccountReplicaRepository,
    PartnerTestAccountRepository,
)
from services.sso.adapters.accounts_repo import AccountRepository
from services.sso.adapters.clients_repo import ClientRepository
from services.sso.adapters.county_links_repo import CountyConnectorRepository, CountyLinkRepository
from services.sso.adapters.credentials_repo import CredentialRepository, PasswordLinkRepository
from services.sso.adapters.grants_repo import GrantRepository
from services.sso.adapters.login_records_repo import LoginRecordRepository
from services.sso.adapters.machine_clients_repo import MachineClientRepository
from services.sso.adapters.notices_repo import NoticeRepository
from services.sso.adapters.sessions_repo import LogoutDeliveryRepository, SessionRepository
from services.sso.adapters.upstream_logins_repo import UpstreamLoginRepository

AfterCommit = Callable[[list[int]], object]


class SsoRepositories(Protocol):
    """Every sso repository a unit of work carries, named once: the real unit of work opens
    them, and a use case's view of one (``SsoWork``) and a test's fake have them too."""

    accounts: AccountRepository
    clients: ClientRepository
    sessions: SessionRepository
    grants: GrantRepository
    logout_deliveries: LogoutDeliveryRepository
    login_records: LoginRecordRepository
    upstream_logins: UpstreamLoginRepository
    accounts_replica: AccountReplicaRepository
    partner_test_accounts: PartnerTestAccountRepository
    county_links: CountyLinkRepository
    county_connectors: CountyConnectorRepository
    credentials: CredentialRepository
    password_links: PasswordLinkRepository
    notices: NoticeRepository
    machine_clients: MachineClientRepository


class SsoWork(SsoRepositories, Protocol):
    """What a use case sees of a unit of work (the real one, or a test's fake)."""

    def __enter__(self) -> Self: ...

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None: ...

    def record(self, event_type: str, data: dict[str, Any]) -> Envelope: ...

    def after_commit(self, kind: str, work: AfterCommit, ids: list[int | None]) -> None: ...


class SsoUnitOfWork(SqlUnitOfWork, SsoRepositories):
    def open_repositories(self, session: Session) -> None:
        self.accounts = AccountRepository(session)
        self.clients = ClientRepository(session)
        self.sessions = SessionRepository(session)
        self.grants = GrantRepository(session)
        self.logout_deliveries = LogoutDeliveryRepository(session)
        self.login_records = LoginRecordRepository(session)
        self.upstream_logins = UpstreamLoginRepository(session)
        self.accounts_replica = AccountReplicaRepository(session)
        self.partner_test_accounts = PartnerTestAccountRepository(session)
        self.county_links = CountyLinkRepository(session)
        self.county_connectors = CountyConnectorRepository(session)
        self.credentials = CredentialRepository(session, self.database.is_postgres)
        self.password_links = PasswordLinkRepository(session)
        self.notices = NoticeRepository(session)
        self.machine_clients = MachineClientRepository(session)

    @classmethod
    def joining(cls, session: Session, database: Database, outbox: Outbox) -> SsoUnitOfWork:
        """The repositories on a transaction its owner opened and commits."""
        work = cls(database, outbox)
        work.session = session
        work.open_repositories(session)
        return work

    def after_commit(self, kind: str, work: AfterCommit, ids: list[int | None]) -> None:
        """``work(ids)`` on a background thread once the outermost transaction commits;
        nothing when it rolls back."""
        run_after_commit(self.session, kind, work, ids)
