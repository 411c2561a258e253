"""The sso service's unit of work: one transaction, the repositories of each aggregate on
it, and the events it records (the outbox), which commit with the state they describe;
and work to start once it has committed (a mail, a back-channel logout: ``after_commit``).

A use case that runs inside a transaction someone else opened (the event consumer's,
whose inbox row commits with it) works on ``SsoUnitOfWork.joining(session, …)``: the same
repositories, no ``with``, the owner commits."""
from __future__ import annotations

from sqlalchemy.orm import Session

from servicekit.bus.outbox import Outbox
from servicekit.db import Database
from servicekit.uow import SqlUnitOfWork
from services.sso.adapters.accounts_replica_repo import (
    AccountReplicaRepository,
    PartnerTestAccountRepository,
)
from services.sso.adapters.after_commit import Work, run_after_commit
from services.sso.adapters.county_links_repo import CountyConnectorRepository, CountyLinkRepository
from services.sso.adapters.credentials_repo import CredentialRepository, PasswordLinkRepository
from services.sso.adapters.login_records_repo import LoginRecordRepository
from services.sso.adapters.notices_repo import NoticeRepository
from services.sso.adapters.repository import AccountRepository, ClientRepository


class SsoUnitOfWork(SqlUnitOfWork):
    accounts: AccountRepository
    accounts_replica: AccountReplicaRepository
    partner_test_accounts: PartnerTestAccountRepository
    clients: ClientRepository
    county_links: CountyLinkRepository
    county_connectors: CountyConnectorRepository
    credentials: CredentialRepository
    password_links: PasswordLinkRepository
    login_records: LoginRecordRepository
    notices: NoticeRepository

    def open_repositories(self, session: Session) -> None:
        self.accounts = AccountRepository(session)
        self.accounts_replica = AccountReplicaRepository(session)
        self.partner_test_accounts = PartnerTestAccountRepository(session)
        self.clients = ClientRepository(session)
        self.county_links = CountyLinkRepository(session)
        self.county_connectors = CountyConnectorRepository(session)
        self.credentials = CredentialRepository(session, self.database.is_postgres)
        self.password_links = PasswordLinkRepository(session)
        self.login_records = LoginRecordRepository(session)
        self.notices = NoticeRepository(session)

    @classmethod
    def joining(cls, session: Session, database: Database, outbox: Outbox) -> SsoUnitOfWork:
        """The repositories on a transaction its owner opened and commits."""
        work = cls(database, outbox)
        work.session = session
        work.open_repositories(session)
        return work

    def after_commit(self, kind: str, work: Work, ids: list[int | None]) -> None:
        """``work(ids)`` on a background thread once this transaction commits."""
        run_after_commit(self.session, kind, work, ids)
