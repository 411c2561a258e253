"""The transfer service's unit of work: one transaction, its repositories, its outbox."""
from __future__ import annotations

from sqlalchemy.orm import Session

from servicekit.bus.bulk_outbox import SpotCheckedBulkOutbox
from servicekit.clock import Clock
from servicekit.uow import SqlUnitOfWork
from services.transfer.adapters.duplicates_repo import Duplicates
from services.transfer.adapters.finding_mails_repo import FindingMails
from services.transfer.adapters.records_repo import RecordRepository
from services.transfer.adapters.rules_repo import Audits, Deliveries
from services.transfer.adapters.sources_repo import FreezeExceptions, SourceRepository
from services.transfer.adapters.uploads_repo import MappingRepository, UploadRepository

# Every record event's data is written by one template (``handlers/record_events.py``)
# from rows checked field by field. The first of each type in a batch, validated, proves
# the template's shape; every value the format takes is one the contract takes, but for
# what ``RecordEvents.plain`` tests per event (a unit test holds the two limits together).
# More proved nothing more, at about 100 µs each: twenty were 2 µs of every row of a
# pushed batch of 1,000, and the kit's 200 a fifth of it.
CHECKED_EVENTS = 1


class TransferUnitOfWork(SqlUnitOfWork):
    sources: SourceRepository
    records: RecordRepository
    mappings: MappingRepository
    exceptions: FreezeExceptions
    uploads: UploadRepository
    deliveries: Deliveries
    audits: Audits
    duplicates: Duplicates
    finding_mails: FindingMails

    def open_repositories(self, session: Session) -> None:
        self.sources = SourceRepository(session)
        self.records = RecordRepository(session)
        self.mappings = MappingRepository(session)
        self.exceptions = FreezeExceptions(session)
        self.uploads = UploadRepository(session)
        self.deliveries = Deliveries(session)
        self.audits = Audits(session)
        self.duplicates = Duplicates(session)
        self.finding_mails = FindingMails(session)

    def bulk_events(self, clock: Clock) -> SpotCheckedBulkOutbox:
        """Many events of checked rows, stored at once (``events.write(uow.session)``;
        COPY on PostgreSQL), each recorded at ``clock``'s moment; the first
        ``CHECKED_EVENTS`` of each type validated against the contract."""
        return SpotCheckedBulkOutbox(self.outbox, clock, checked_per_type=CHECKED_EVENTS)
