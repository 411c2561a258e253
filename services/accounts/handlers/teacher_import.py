"""Teacher data refresh (R-ACC-3): a county's rows, from a JSON batch or a CSV/XLSX file,
applied in one transaction with a report per row (created, updated, unchanged, rejected
with the reason). Rejected rows change nothing and do not stop the others; an unchanged
row writes nothing and records no event. A file refused as a whole (wrong columns, too
large, not a spreadsheet) changes nothing at all.

Scope: operators import for any school; a reviewer for the schools under its authority
(a row for another authority's school is rejected, not the file), and changes only the
known teachers it manages today (``PATCH /teachers/<id>``'s rule: their current school is
under its authority; another's teacher is rejected as ``teacher-outside-authority``). A
move between authorities by the network's staff is recorded as a transfer.

Every file and batch sent is kept in the import history with its report, refused ones
too (with the problem's slug), so a county can fetch a report again and support can see
what arrived; the history row commits with the import it describes."""
from __future__ import annotations

import gc
import hashlib
import logging
import os
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from typing import Any

from contracts.events.accounts import ACCOUNT_CREATED, ACCOUNT_UPDATED, TEACHER_SCHOOL_CHANGED
from servicekit import context
from servicekit.bus.bulk_outbox import SpotCheckedBulkOutbox, uuid4_strings
from servicekit.clock import Clock
from servicekit.errors import ApplicationError, Conflict, TooLarge
from servicekit.tokens import Principal
from services.accounts.adapters.import_history import (
    APPLIED,
    REFUSED,
    ImportRecord,
    pack,
)
from services.accounts.adapters.national_id_vault import NONCE_BYTES, NationalIdVault
from services.accounts.adapters.teacher_files import MAX_FILE_BYTES, FileRefused, read
from services.accounts.adapters.teacher_rows import check_row, lookup_keys
from services.accounts.adapters.teacher_writers import (
    ConcurrentChange,
    NewTeacher,
    TeacherWriter,
)
from services.accounts.adapters.unit_of_work import AccountsUnitOfWork
from services.accounts.domain.accounts import TEACHER, Account, teacher_login
from services.accounts.domain.dates import taipei_date
from services.accounts.domain.teachers import (
    CREATED,
    DUPLICATE_NATIONAL_ID,
    NOT_A_SCHOOL,
    OUTSIDE_AUTHORITY,
    REJECTED,
    TEACHER_OUTSIDE_AUTHORITY,
    UNCHANGED,
    UNKNOWN_UNIT,
    UPDATED,
    KnownTeacher,
    RowOutcome,
    RowRejected,
    TeacherChange,
    TeacherRow,
    change_for,
    duplicated_rows,
)
from services.accounts.domain.transfers import BY_IMPORT, Transfer, transfer_between
from services.accounts.domain.units import SCHOOL_TYPES, Unit
from services.accounts.handlers.events import (
    account_data,
    json_text,
    new_teacher_data,
    new_teacher_json,
    school_changed_data,
)
from services.accounts.handlers.scope import is_national, manages_teachers_of, sees_teachers_of
from services.accounts.metrics import count_import

log = logging.getLogger("services.accounts.teacher_import")
MAX_BATCH_ROWS = 200_000
# Rows checked while the database stores the chunks before (all in one COPY): the first
# is checked before the database has anything to do.
CHUNK_ROWS = 5_000
STATUSES = (CREATED, UPDATED, UNCHANGED, REJECTED)
# The most of an upload the HTTP edge reads (one byte more tells it is too large).
MAX_UPLOAD_BYTES = MAX_FILE_BYTES


@dataclass
class ImportReport:
    rows: list[RowOutcome] = field(default_factory=list)
    import_id: uuid.UUID | None = None  # None: not kept in the history (one teacher by hand)

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for row in self.rows:
            counts[row.status] += 1
        return counts

    def rows_json(self) -> bytes:
        """What json.dumps(…, ensure_ascii=False, separators=(",", ":")) makes of the rows
        as dicts, built by hand: 100,000 rows through marshmallow take seconds, and through
        json.dumps twice as long as one format string a row, each text escaped by the
        encoder's own function."""
        text = json_text
        return ("[" + ",".join([
            f'{{"row":{r.row:d},"status":{text(r.status)},"account_id":{text(r.account_id)},'
            f'"login":{text(r.login)},"reason":{text(r.reason)},"detail":{text(r.detail)}}}'
            for r in self.rows]) + "]").encode()


@dataclass(frozen=True)
class ImportSource:
    """What was sent, for the history: a file (its name and content hash) or a batch."""
    kind: str
    filename: str | None = None
    content_sha256: str | None = None

    @classmethod
    def file(cls, filename: str, data: bytes) -> ImportSource:
        return cls("file", filename[:255], hashlib.sha256(data).hexdigest())


BATCH = ImportSource("batch")


def import_file(uow: AccountsUnitOfWork, clock: Clock, vault: NationalIdVault,
                principal: Principal, filename: str, data: bytes) -> ImportReport:
    source = ImportSource.file(filename, data)
    try:
        table = read(filename, data)
        return import_rows(uow, clock, vault, principal, table.rows, source=source)
    except FileRefused as error:
        refusal = error.kind(error.slug, "The file was refused", error.detail, **error.facts)
        _record_refusal(uow, clock, principal, source, refusal.slug)
        count_import(source.kind, "refused")
        raise refusal from None


@contextmanager
def _cycle_collection_paused() -> Iterator[None]:
    """An import makes millions of objects that live until it ends and form no reference
    cycles (reference counting frees them): the cycle collector would walk them all over
    and over, a third of a 100,000-row import's time. Paused, not stopped: another import
    running at once may resume it first, which costs time, never memory."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_cycle_collection_paused()
def import_rows(uow: AccountsUnitOfWork, clock: Clock, vault: NationalIdVault,
                principal: Principal, numbered: Iterable[tuple[int, dict[str, Any]]],
                only_new: bool = False, source: ImportSource | None = None) -> ImportReport:
    """``only_new``: a known teacher is a conflict (creating one teacher by hand).
    ``source``: keep the import in the history (every file and batch a county sends)."""
    try:
        rows = _bounded(numbered)
        with context.correlation(context.current_correlation_id()):
            try:
                report = _apply(uow, clock, vault, principal, rows, only_new, source)
            except ConcurrentChange as error:
                raise Conflict("concurrent-change", "Teachers changed during the import",
                               f"{error}; nothing was imported: send the data again") from None
    except ApplicationError as refusal:
        if source is not None:
            _record_refusal(uow, clock, principal, source, refusal.slug)
            count_import(source.kind, "refused")
        raise
    log.info("teacher import", extra={"by": principal.subject, "import_id": report.import_id,
                                      **{f"rows_{k}": v for k, v in report.counts.items()}})
    if source is not None:  # committed: an import of the history, not one teacher by hand
        count_import(source.kind, "applied", report.counts)
    return report


def _bounded(numbered: Iterable[tuple[int, dict[str, Any]]]) -> list[tuple[int, dict[str, Any]]]:
    rows = list(islice(numbered, MAX_BATCH_ROWS + 1))
    if len(rows) > MAX_BATCH_ROWS:
        raise TooLarge("too-many-rows", "Too many rows",
                       f"send at most {MAX_BATCH_ROWS} rows at once")
    return rows


def _chunks(numbered: list[tuple[int, dict[str, Any]]], keys: list[str]
            ) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    """The rows in order, ``CHUNK_ROWS`` at a time, but the rows whose national ID (``keys``,
    one a row) is in another row too come last, all together: ``_checked`` finds the
    duplicates among them before any of them is written, and every other row can be
    written as soon as its chunk is checked (its national ID is in no other row)."""
    counts = Counter(keys)
    single = [row for row, key in zip(numbered, keys, strict=True) if counts[key] == 1]
    for start in range(0, len(single), CHUNK_ROWS):
        yield single[start:start + CHUNK_ROWS]
    if len(single) < len(numbered):
        yield [row for row, key in zip(numbered, keys, strict=True) if counts[key] > 1]


def _checked(numbered: Iterable[tuple[int, dict[str, Any]]]
             ) -> tuple[dict[int, RowOutcome], list[TeacherRow]]:
    """Every row checked on its own, then against the others (the same national ID twice)."""
    outcomes: dict[int, RowOutcome] = {}
    rows: list[TeacherRow] = []
    for number, raw in numbered:
        try:
            rows.append(check_row(number, raw))
        except RowRejected as rejected:
            outcomes[number] = _rejected(number, rejected)
    duplicates = duplicated_rows(rows)
    for row in rows:
        if row.row in duplicates:
            others = ", ".join(str(n) for n in duplicates[row.row][:10])
            outcomes[row.row] = RowOutcome(row.row, REJECTED, reason=DUPLICATE_NATIONAL_ID,
                                           detail=f"the same national ID is in rows {others}")
    return outcomes, [row for row in rows if row.row not in duplicates]


@dataclass
class _Plan:
    """What the rows mean against the teachers we know, before anything is written."""
    new: list[tuple[TeacherRow, bytes]] = field(default_factory=list)
    changes: list[tuple[KnownTeacher, TeacherChange]] = field(default_factory=list)
    outcomes: dict[int, RowOutcome] = field(default_factory=dict)


def _apply(uow: AccountsUnitOfWork, clock: Clock, vault: NationalIdVault, principal: Principal,
           numbered: list[tuple[int, dict[str, Any]]], only_new: bool,
           source: ImportSource | None) -> ImportReport:
    """Chunk by chunk: each is checked while the database stores the ones before, all in
    one COPY (``writer.create`` returns before the database is done; ``writer.settle``
    waits for it, before any other statement)."""
    now = clock.now()
    today = taipei_date(now)
    outcomes: dict[int, RowOutcome] = {}
    changes: list[tuple[KnownTeacher, TeacherChange]] = []
    created: list[NewTeacher] = []
    with uow, uow.teacher_writer() as writer:
        writer.lock()
        # Every national ID and school code as check_row will make them, looked up before
        # any row is written (a query per chunk would find the database busy with the COPY).
        keys, codes = lookup_keys(raw for _, raw in numbered)
        numbers = list(dict.fromkeys(keys))
        hash_of, known = _known(writer, vault, numbers)
        schools = uow.units.many(sorted(codes), today)
        _add_current_schools(uow, schools, known.values(), today)
        # Reserving none locks the login counter until the commit: the logins are counted
        # here and the counter moved once at the end. No statement runs between two chunks,
        # so they all stream into one COPY.
        logins = uow.accounts.reserve_numbers("teacher", 0)
        first_login = logins
        for chunk in _chunks(numbered, keys):
            rejected, rows = _checked(chunk)
            outcomes.update(rejected)
            out_of_scope, accepted = _in_scope(principal, rows, schools)
            outcomes.update(out_of_scope)
            plan = _plan(principal, accepted, [hash_of[row.national_id] for row in accepted],
                         known, schools, today, only_new)
            outcomes.update(plan.outcomes)
            changes.extend(plan.changes)
            made = writer.create(_new_teachers(vault, plan.new, logins, today), now)
            for (row, _), teacher in zip(plan.new, made, strict=True):
                outcomes[row.row] = RowOutcome(row.row, CREATED, teacher.account_id, teacher.login)
            created.extend(made)
            logins += len(made)
        writer.settle()
        if created:
            reserved = uow.accounts.reserve_numbers("teacher", len(created))
            if reserved != first_login:  # cannot be: this transaction holds the counter
                raise RuntimeError("the login counter moved during the import")
        writer.update([(known.account_id, change) for known, change in changes], now)
        import_id = None if source is None else uuid.uuid4()
        uow.transfers.add(_transfers(principal, changes, schools, import_id, now))
        events = uow.bulk_events(clock)
        _record_changes(events, changes, schools)
        events.add_many_made(ACCOUNT_CREATED, [
            (t.account_id, t.login, t.display_name, t.email, t.unit_code,
             schools[t.unit_code].county_code) for t in created],
            new_teacher_data, new_teacher_json)
        with events.writing(uow.session):  # the report is made while the events are stored
            report = ImportReport([outcomes[number] for number in sorted(outcomes)])
            packed = None if source is None else pack(report.rows_json())
        if import_id is not None and source is not None:
            report.import_id = import_id
            uow.imports.add(_record(report.import_id, principal, source, now, APPLIED, None,
                                    report.counts), packed)
    return report


def _record_refusal(uow: AccountsUnitOfWork, clock: Clock, principal: Principal,
                    source: ImportSource, slug: str) -> None:
    """In a transaction of its own: the import's was rolled back, or never began."""
    with uow:
        uow.imports.add(_record(uuid.uuid4(), principal, source, clock.now(), REFUSED,
                                slug, dict.fromkeys(STATUSES, 0)), None)


def _record(import_id: uuid.UUID, principal: Principal, source: ImportSource, at: datetime,
            outcome: str, problem: str | None, counts: dict[str, int]) -> ImportRecord:
    return ImportRecord(import_id, source.kind, source.filename, source.content_sha256,
                        principal.subject, None if is_national(principal) else principal.authority,
                        at, outcome, problem, counts[CREATED], counts[UPDATED],
                        counts[UNCHANGED], counts[REJECTED])


def _in_scope(principal: Principal, rows: list[TeacherRow],
              schools: dict[str, Unit]) -> tuple[dict[int, RowOutcome], list[TeacherRow]]:
    outcomes, accepted = {}, []
    for row in rows:
        try:
            check_school(principal, schools.get(row.school_code))
            accepted.append(row)
        except RowRejected as rejected:
            outcomes[row.row] = _rejected(row.row, rejected)
    return outcomes, accepted


def _known(writer: TeacherWriter, vault: NationalIdVault, numbers: list[str]
           ) -> tuple[dict[str, bytes], dict[bytes, KnownTeacher]]:
    """The numbers' current hashes, and the teachers known, by current hash.

    While a previous hash key is configured a teacher may still be stored under it, so both
    hashes are looked up in the one query and a teacher found by either counts as known.
    Its row keeps the previous hash here, even when the row is updated: an unchanged row
    must write nothing, so ``rehash-national-ids`` has to visit every row anyway, and the
    bulk update stays as it is. New teachers are always written under the current hash."""
    if not vault.has_previous_hash_key:
        # The common case, and the benchmarked one: one hash per row, nothing more.
        hashes = vault.lookup_hash_many(numbers)
        return dict(zip(numbers, hashes, strict=True)), writer.existing(hashes)
    pairs = [vault.lookup_hashes(number) for number in numbers]
    hashes = [current for current, _ in pairs]
    known = writer.existing(hashes + [previous for _, previous in pairs])
    for current, previous in pairs:
        if current not in known and previous in known:
            known[current] = known[previous]
    return dict(zip(numbers, hashes, strict=True)), known


def _add_current_schools(uow: AccountsUnitOfWork, schools: dict[str, Unit],
                         known: Iterable[KnownTeacher], today: date) -> None:
    """The known teachers' current schools (their authorities decide who may change
    them), in one query for those the rows did not name already."""
    missing = sorted({t.unit_code for t in known if t.unit_code and t.unit_code not in schools})
    if missing:
        schools.update(uow.units.many(missing, today))


def _plan(principal: Principal, rows: list[TeacherRow], hashes: list[bytes],
          known: dict[bytes, KnownTeacher], schools: dict[str, Unit], today: date,
          only_new: bool) -> _Plan:
    """A known teacher is changed only by those who manage the teacher's current school
    (the rule of ``PATCH /teachers/<id>``); another's teacher is refused and no more is
    said of them, not even their login."""
    plan = _Plan()
    # The schools whose teachers the caller manages, decided once per school, not per row;
    # None: every school (the network's staff, even for a teacher with no school).
    managed = None if is_national(principal) else {
        code for code, school in schools.items() if manages_teachers_of(principal, school)}
    for row, lookup_hash in zip(rows, hashes, strict=True):
        teacher = known.get(lookup_hash)
        if teacher is None:
            plan.new.append((row, lookup_hash))
            continue
        if only_new:
            # The account is named only to those who may see it anyway.
            current = schools.get(teacher.unit_code or "")
            named: dict[str, Any] = ({"account_id": teacher.account_id}
                                     if sees_teachers_of(principal, current) else {})
            raise Conflict("teacher-exists", "The teacher exists",
                           "a teacher with this national ID exists", **named)
        if managed is not None and teacher.unit_code not in managed:
            plan.outcomes[row.row] = RowOutcome(
                row.row, REJECTED, reason=TEACHER_OUTSIDE_AUTHORITY,
                detail="the teacher serves at a school outside the authority you act for; a "
                       "move between authorities is a transfer by the teacher's authority")
            continue
        try:
            change = change_for(teacher, row.name, row.email, row.school_code, row.since, today)
        except RowRejected as rejected:
            plan.outcomes[row.row] = _rejected(row.row, rejected)
            continue
        plan.outcomes[row.row] = RowOutcome(row.row, UNCHANGED if change is None else UPDATED,
                                            teacher.account_id, teacher.login)
        if change is not None:
            plan.changes.append((teacher, change))
    return plan


def _record_changes(events: SpotCheckedBulkOutbox,
                    changes: list[tuple[KnownTeacher, TeacherChange]], schools: dict[str, Unit]) -> None:
    for teacher, change in changes:
        events.add(ACCOUNT_UPDATED, account_data(Account(
            teacher.account_id, teacher.login, TEACHER, teacher.status,  # type: ignore[arg-type]  # text id: account_data prints it
            change.display_name, change.email, change.unit_code, None,
            schools[change.unit_code].county_code, change.school_since, change.version)))
        if change.moved:
            events.add(TEACHER_SCHOOL_CHANGED, school_changed_data(
                teacher.account_id, change.unit_code, change.moved_on,
                change.version))


def _transfers(principal: Principal, changes: list[tuple[KnownTeacher, TeacherChange]],
               schools: dict[str, Unit], import_id: uuid.UUID | None,
               at: datetime) -> list[Transfer]:
    """The moves between authorities among the changes (only the network's staff can
    make one by import: a reviewer's rows stay within its authority at both ends)."""
    moves = (transfer_between(uuid.UUID(teacher.account_id), change,
                              schools.get(change.left_school or ""), schools[change.unit_code],
                              BY_IMPORT, principal.subject, at, import_id=import_id)
             for teacher, change in changes)
    return [move for move in moves if move is not None]


def check_school(principal: Principal, school: Unit | None) -> Unit:
    """The school, when ``principal`` may place a teacher there; else RowRejected."""
    school = check_is_school(school)
    if not is_national(principal) and school.authority_code != principal.authority:
        raise RowRejected(OUTSIDE_AUTHORITY,
                          f"unit {school.code} is not under the authority you act for")
    return school


def check_is_school(school: Unit | None) -> Unit:
    if school is None:
        raise RowRejected(UNKNOWN_UNIT, "no unit has this code")
    if school.unit_type not in SCHOOL_TYPES:
        raise RowRejected(NOT_A_SCHOOL, f"unit {school.code} is a {school.unit_type}, not a school")
    return school


def _new_teachers(vault: NationalIdVault, new: list[tuple[TeacherRow, bytes]], first: int,
                  today: date) -> Iterator[NewTeacher]:
    """Made one by one as the writer takes them: encryption overlaps the database's work.
    ``first``: the login number of the first (the rest follow)."""
    if not new:
        return
    nonces = os.urandom(NONCE_BYTES * len(new))
    for index, ((row, lookup_hash), account_id) in enumerate(zip(new, uuid4_strings(len(new)), strict=True)):
        nonce = nonces[index * NONCE_BYTES:(index + 1) * NONCE_BYTES]
        yield NewTeacher(account_id, teacher_login(first + index), lookup_hash,
                         vault.seal(account_id, row.national_id, nonce), row.name,
                         row.email, row.school_code, row.since or today)


def _rejected(number: int, rejected: RowRejected) -> RowOutcome:
    return RowOutcome(number, REJECTED, reason=rejected.reason, detail=rejected.detail)
