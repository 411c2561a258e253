"""The sso service's unit of work: one transaction, the repositories of each aggregate on
it, and the events it records (the outbox), which commit with the state they describe.

Two things a use case asks of the transaction beyond its rows: work to start once it has
committed (a mail, a back-channel logout: ``after_commit``), and ending every sign-in of
an account (its sessions and grants, partners told after the commit: ``end_sign_ins``),
which the sessions' use case does on this transaction's session."""
from __future__ import annotations

from collections.abc import Callable

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

# (session, account id, reason, the grant to keep or None)
SignOut = Callable[[Session, str, str, str | None], None]


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

    def __init__(self, database: Database, outbox: Outbox, sign_out: SignOut) -> None:
        super().__init__(database, outbox)
        self._sign_out = sign_out

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

    def joining(self, session: Session) -> SsoUnitOfWork:
        """This unit of work on a transaction another owns and commits: the consumer's,
        whose inbox row commits with what a handler of an event writes."""
        self.session = session
        self.open_repositories(session)
        return self

    def after_commit(self, kind: str, work: Work, ids: list[int | None]) -> None:
        """``work(ids)`` on a background thread once this transaction commits."""
        run_after_commit(self.session, kind, work, ids)

    def end_sign_ins(self, account_id: str, reason: str,
                     keeping_grant: str | None = None) -> None:
        """Every session and grant of the account ends in this transaction (but the grant
        ``keeping_grant``, when it is a live one of the account, and its session)."""
        self._sign_out(self.session, account_id, reason, keeping_grant)
