"""The accounts service's unit of work: one transaction, the repositories that read and
write in it, and its outbox (``servicekit.uow``). A handler takes one and never opens a
session itself; the bulk import reaches its session-level writers through it too."""
from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session

from servicekit.bus.bulk_outbox import SpotCheckedBulkOutbox
from servicekit.bus.outbox import Outbox
from servicekit.clock import Clock
from servicekit.uow import SqlUnitOfWork
from services.accounts.adapters.accounts_repo import (
    AccountRepository,
    ExportAudit,
    RoleGrantRepository,
)
from services.accounts.adapters.campaigns_repo import CampaignRepository
from services.accounts.adapters.import_history import ImportHistory
from services.accounts.adapters.lookup_audit import LookupAudit
from services.accounts.adapters.operator_bootstraps import OperatorBootstraps
from services.accounts.adapters.organisations import (
    AuthorityRepository,
    RoutingRepository,
    UnitRepository,
)
from services.accounts.adapters.teacher_writers import TeacherWriter, writer_for
from services.accounts.adapters.transfers_repo import TransferLog


class AccountsUnitOfWork(SqlUnitOfWork):
    accounts: AccountRepository
    grants: RoleGrantRepository
    authorities: AuthorityRepository
    units: UnitRepository
    routing: RoutingRepository
    transfers: TransferLog
    imports: ImportHistory
    lookups: LookupAudit
    exports: ExportAudit
    campaigns: CampaignRepository
    bootstraps: OperatorBootstraps

    def open_repositories(self, session: Session) -> None:
        self.accounts = AccountRepository(session)
        self.grants = RoleGrantRepository(session)
        self.authorities = AuthorityRepository(session)
        self.units = UnitRepository(session)
        self.routing = RoutingRepository(session)
        self.transfers = TransferLog(session)
        self.imports = ImportHistory(session)
        self.lookups = LookupAudit(session)
        self.exports = ExportAudit(session)
        self.campaigns = CampaignRepository(session)
        self.bootstraps = OperatorBootstraps(session)

    def teacher_writer(self) -> TeacherWriter:
        """The bulk import's writer on this transaction (COPY on PostgreSQL)."""
        return writer_for(self.session)

    def bulk_events(self, clock: Clock) -> SpotCheckedBulkOutbox:
        """The bulk import's outbox: events collected, then stored in one go
        (``with events.writing(uow.session)``), each recorded at ``clock``'s moment."""
        return SpotCheckedBulkOutbox(self.outbox, clock)

    @classmethod
    def joining(cls, session: Session, outbox: Outbox) -> AccountsUnitOfWork:
        """Repositories on a transaction another holds (a consumer's, which commits the
        event's inbox row with the change): entering and leaving it neither begins nor
        ends anything."""
        return _Joined(session, outbox)


class _Joined(AccountsUnitOfWork):
    def __init__(self, session: Session, outbox: Outbox) -> None:
        self.outbox = outbox
        self.session = session
        self.open_repositories(session)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        """The transaction's owner commits or rolls back."""
