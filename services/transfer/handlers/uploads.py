"""Monthly files (R-TRF-3): a source's mapping, a file tested without storing anything,
a file uploaded and processed in the background with progress, and its per-row report.

The file is read and matched against the mapping while the request waits, so a file
that is not what its name says, unsafe, too large, or whose tables or columns do not
match is answered at once (problem+json) and nothing is kept. A file that matches is
kept sealed (it holds national IDs) and accepted in chunks, each its own transaction,
so the uploader sees the rows done grow; the report (the original rows and each row's
errors and notes, which become the error column when it is downloaded) is kept sealed
too. Both are purged after the retention period (``purge``).
"""
from __future__ import annotations

import contextvars
import functools
import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import orjson

from contracts.calendar import taipei_date
from servicekit.clock import Clock
from servicekit.errors import Forbidden, Invalid, NotFound, TooLarge
from servicekit.tokens import Principal
from services.transfer.adapters.file_vault import FileVault
from services.transfer.adapters.files.readers import read_tables
from services.transfer.adapters.files.tables import UnreadableFile
from services.transfer.adapters.report_files import report_csv, report_xlsx
from services.transfer.adapters.unit_of_work import TransferUnitOfWork
from services.transfer.domain.mapping import (
    DEFAULT_TABLES,
    MappedTable,
    MappingMismatch,
    PartMapping,
    apply_mapping,
    check_mapping,
)
from services.transfer.domain.sources import Source
from services.transfer.handlers import collector, push
from services.transfer.handlers.ports import TeacherDirectory
from services.transfer.handlers.scope import check_reads
from services.transfer.metrics import count_rows

log = logging.getLogger("transfer.uploads")
# A row kept as a linked duplicate (R-TRF-11): not an error, said in the report's column.
DUPLICATE_NOTE = ("duplicate 重複: 已由 {kept_source} 報送（{kept_course_key}），本筆列為關聯重複紀錄 / "
                  "reported first by {kept_source} ({kept_course_key}); kept as a linked "
                  "duplicate")
CHUNK_ROWS = 5000  # rows a transaction: progress shows 40 steps of a 200,000-row file
Work = Callable[[], TransferUnitOfWork]


@dataclass(frozen=True)
class FileRules:
    max_bytes: int
    retention_days: int
    freeze: date


def put_mapping(uow: TransferUnitOfWork, clock: Clock, principal: Principal, code: str,
                part: str, table: str, columns: dict[str, str]) -> PartMapping:
    try:
        mapping = check_mapping(part, table, columns)
    except MappingMismatch as error:
        raise Invalid("invalid-mapping", "The mapping is not valid", str(error)) from None
    with uow:
        if uow.sources.get(code) is None:
            raise NotFound(f"no source {code}")
        uow.mappings.put(code, mapping, principal.subject, clock.now())
    return mapping


def mappings(uow: TransferUnitOfWork, principal: Principal, code: str) -> list[PartMapping]:
    with uow:
        check_reads(principal, uow.sources.get(code), code)
        return list(uow.mappings.of(code).values())


def test_file(uow: TransferUnitOfWork, clock: Clock, directory: TeacherDirectory,
              rules: FileRules, principal: Principal, code: str, filename: str,
              data: bytes) -> dict[str, Any]:
    """Every check of a real upload and the answer it would get; nothing is stored."""
    tables = _read(uow, principal, code, filename, data, rules)
    batch = {table.part: table.rows for table in tables}
    return push.accept(uow, clock, directory, code, batch, rules.freeze,
                       dry_run=True)


class ReadAtUpload:
    """The tables each upload was read into while its request waited, kept in this
    process for its background job, which then neither opens the sealed file nor reads
    and maps it a second time. A job takes its upload's tables once. At most ``KEPT``
    uploads are held (a file's tables are its size again in memory): past that, and
    after a restart, the job reads the sealed copy, as it would without this."""

    KEPT = 4

    def __init__(self) -> None:
        self._tables: OrderedDict[str, list[MappedTable]] = OrderedDict()
        self._lock = threading.Lock()

    def keep(self, upload_id: str, tables: list[MappedTable]) -> None:
        with self._lock:
            self._tables[upload_id] = tables
            while len(self._tables) > self.KEPT:
                self._tables.popitem(last=False)  # the oldest: its job reads the file

    def take(self, upload_id: str) -> list[MappedTable] | None:
        with self._lock:
            return self._tables.pop(upload_id, None)


def start(uow: TransferUnitOfWork, clock: Clock, vault: FileVault, rules: FileRules,
          principal: Principal, code: str, filename: str, data: bytes,
          read: ReadAtUpload | None = None) -> dict[str, Any]:
    """``read``: where the tables are kept for the background job (``process``)."""
    mapping = _allowed(uow, principal, code, data, rules)
    upload_id = str(uuid.uuid4())
    # Sealed while the file is read: the compression and calamine's parse both run
    # outside the interpreter's lock, on two cores (a 200,000-row file: 0.1 s of its
    # 1.6 s read).
    with ThreadPoolExecutor(max_workers=1) as pool:
        sealing = pool.submit(vault.seal, upload_id, data)
        tables = _tables(filename, data, mapping)
        sealed = sealing.result()
    with uow as work:
        work.uploads.add(upload_id, code, filename[:255], sealed,
                         sum(len(t.rows) for t in tables), principal.subject, clock.now())
        if read is not None:
            read.keep(upload_id, tables)
        return _public(work.uploads.get(upload_id))


def process(work: Work, clock: Clock, directory: TeacherDirectory, vault: FileVault,
            rules: FileRules, upload_id: str, read: ReadAtUpload | None = None) -> None:
    """In the background: the tables read at upload (``read``), or else the sealed file
    read again, accepted chunk by chunk."""
    kept = read.take(upload_id) if read is not None else None
    with work() as uow:
        row = uow.uploads.get(upload_id)
        sealed = uow.uploads.sealed(upload_id, "sealed_file") if kept is None else None
        mapping = uow.mappings.of(row["source"]) if row and kept is None else {}
        if row is None or (kept is None and sealed is None):
            return
        uow.uploads.progress(upload_id, status="processing")
    code = row["source"]
    try:
        # The tables as read and mapped when the file was accepted; the sealed copy
        # (mapped as the source's mapping now stands) only when they are not at hand.
        if kept is None and sealed is not None:
            kept = _mapped(row["filename"], vault.open(upload_id, sealed), mapping)
        tables = kept or []
        with collector.skips_what_is_held():
            _accept_tables(work, clock, directory, vault, rules, upload_id, code, tables)
    except Exception as error:  # a background job: its failure is the upload's state
        log.exception("upload failed", extra={"upload_id": upload_id, "source": code})
        with work() as uow:
            uow.uploads.progress(upload_id, status="failed", finished_at=clock.now(),
                                 failure=f"the file could not be processed "
                                         f"({type(error).__name__})")


def _accept_tables(work: Work, clock: Clock, directory: TeacherDirectory, vault: FileVault,
                   rules: FileRules, upload_id: str, code: str,
                   tables: list[MappedTable]) -> None:
    """The tables accepted chunk by chunk, then the report made and sealed."""
    errors: dict[str, dict[int, list[str]]] = {t.part: {} for t in tables}
    notes: dict[str, dict[int, list[str]]] = {t.part: {} for t in tables}
    totals = push.Outcome().counts
    done = 0
    for table, checked, check_next in _checked_ahead(work, directory, code, tables,
                                                     rules.freeze):
        done += checked.rows
        answer = push.write(work(), clock, code, checked, also=functools.partial(
            _progress, upload_id=upload_id, rows_done=done),  # with the chunk's rows
            read=check_next)
        count_rows("file", answer)  # the chunk committed
        _add(totals, answer["counts"])
        for error in answer["errors"]:
            errors[table.part].setdefault(error["row"], []).append(
                f"{error['field']}: {error['code']} {error['message_zh']} / "
                f"{error['message_en']}")
        for twin in answer["duplicates"]:  # kept, linked: said, not an error
            notes[table.part].setdefault(twin["row"], []).append(
                DUPLICATE_NOTE.format(**twin))
    report = [_report_table(table, _joined(errors[table.part], notes[table.part]))
              for table in tables]
    with work() as uow:
        finished = clock.now()
        uow.deliveries.record(code, taipei_date(finished), push.FILE, done, finished)
        uow.uploads.progress(
            upload_id, status="done", counts=totals, finished_at=clock.now(),
            error_count=sum(len(e) for e in errors.values()),
            sealed_report=vault.seal(upload_id, orjson.dumps(report)))


def _progress(uow: TransferUnitOfWork, upload_id: str, rows_done: int) -> None:
    uow.uploads.progress(upload_id, rows_done=rows_done)


def _checked_ahead(work: Work, directory: TeacherDirectory, code: str,
                   tables: list[MappedTable], freeze: date
                   ) -> Iterator[tuple[MappedTable, push.Checked, Callable[[], None]]]:
    """Each chunk of the tables checked and its teachers resolved (``push.check``) one
    chunk ahead, in a thread of its own, while the caller writes the one before: the
    row checks, the accounts lookup (the accounts service, over HTTP) and the digests
    then run while the writing transaction waits for the database, rather than after
    it. Chunks come in order; an error in a check is raised here, at its chunk.

    With each chunk comes ``check_next``, which starts the next chunk's check; the
    caller calls it once the chunk's lookups are done (``push.write``'s ``read``), when
    what is left are the COPYs, long waits for the server. Started earlier, the check
    held the interpreter's lock while the writer's short lookups came back, each then
    waiting up to the switch interval (5 ms) to go on — about 40 ms a chunk of 5,000
    rows. A chunk whose caller never calls it has the next check started when the next
    chunk is asked for."""
    chunks = [(table, start) for table in tables for start in range(0, len(table.rows),
                                                                     CHUNK_ROWS)]

    def checked(index: int) -> push.Checked:
        table, start = chunks[index]
        return push.check(work(), directory, code,
                          {table.part: table.rows[start:start + CHUNK_ROWS]}, freeze,
                          first_row=start + 1)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="transfer-checks") as ahead:
        pending: dict[int, Future[push.Checked]] = {}

        def check(index: int) -> None:
            if index < len(chunks) and index not in pending:
                # The job's context (its correlation id, its log fields) goes with it.
                pending[index] = ahead.submit(contextvars.copy_context().run, checked,
                                              index)

        for index, (table, _start) in enumerate(chunks):
            check(index)
            current = pending.pop(index).result()
            yield table, current, functools.partial(check, index + 1)


def status(uow: TransferUnitOfWork, principal: Principal, code: str,
           upload_id: str) -> dict[str, Any]:
    with uow:
        check_reads(principal, uow.sources.get(code), code)
        row = uow.uploads.get(upload_id)
    if row is None or row["source"] != code:
        raise NotFound(f"no upload {upload_id}")
    return _public(row)


def uploads_of(uow: TransferUnitOfWork, principal: Principal, code: str,
               limit: int) -> list[dict[str, Any]]:
    """A source's latest uploads, newest first, for whoever reads the source."""
    with uow:
        check_reads(principal, uow.sources.get(code), code)
        rows = uow.uploads.of_source(code, limit)
    return [_public(row) for row in rows]


def report(uow: TransferUnitOfWork, vault: FileVault, principal: Principal, code: str,
           upload_id: str) -> list[dict[str, Any]]:
    """The report's tables, each its header and its rows as in the file with the error
    column last (``rows``: an iterable, made as it is read)."""
    upload = status(uow, principal, code, upload_id)
    with uow as work:
        sealed = work.uploads.sealed(upload_id, "sealed_report")
    if sealed is None:
        raise NotFound("the report is not ready, or was deleted after the retention period",
                       slug="report-unavailable", title="No report", upload_status=upload["status"])
    return [_with_notes(table) for table in orjson.loads(vault.open(upload_id, sealed))]


def report_file(uow: TransferUnitOfWork, vault: FileVault, principal: Principal, code: str,
                upload_id: str, kind: str, table: str | None = None) -> bytes:
    """The report as ``xlsx`` (a sheet per table) or ``csv`` (one table, the first by
    default)."""
    tables = report(uow, vault, principal, code, upload_id)
    if kind == "xlsx":
        return report_xlsx(tables)
    chosen = next((t for t in tables if table in (None, t["table"])), None)
    if chosen is None:
        raise NotFound(f"the report has no table {table}")
    return report_csv(chosen)


def purge(uow: TransferUnitOfWork, clock: Clock, retention_days: int) -> dict[str, Any]:
    """Scheduled: files and reports older than the retention period deleted, and logged."""
    now = clock.now()
    before = now - timedelta(days=retention_days)
    with uow:
        purged = uow.uploads.purge_before(before, now)
    log.info("uploaded files purged", extra={"purged": purged, "before": before.isoformat()})
    return {"purged": purged, "before": before.isoformat()}


INTERRUPTED = ("processing stopped at row {done} of {total}: the service restarted "
               "before the file was done. Rows accepted so far are kept; send the same file "
               "again (rows already accepted are answered unchanged)")


def fail_interrupted(uow: TransferUnitOfWork, clock: Clock,
                     older_than: timedelta) -> dict[str, Any]:
    """Scheduled (and at the start of the embedded platform): uploads still ``queued`` or
    ``processing`` though made more than ``older_than`` ago lost their background job
    to a restart; each is marked failed with the reason and where it stopped, so that
    the uploader sends it again. Logged with the count."""
    now = clock.now()
    with uow:
        stale = uow.uploads.unfinished_before(now - older_than)
        for row in stale:
            uow.uploads.progress(row["upload_id"], status="failed", finished_at=now,
                                 failure=INTERRUPTED.format(done=row["rows_done"],
                                                            total=row["rows_total"]))
    if stale:
        log.warning("interrupted uploads failed", extra={
            "failed": len(stale), "upload_ids": [row["upload_id"] for row in stale]})
    return {"failed": len(stale), "upload_ids": [row["upload_id"] for row in stale]}


def _read(uow: TransferUnitOfWork, principal: Principal, code: str, filename: str,
          data: bytes, rules: FileRules) -> list[MappedTable]:
    return _tables(filename, data, _allowed(uow, principal, code, data, rules))


def _allowed(uow: TransferUnitOfWork, principal: Principal, code: str, data: bytes,
             rules: FileRules) -> dict[str, PartMapping]:
    """The source's mapping, once the caller may send it this file."""
    with uow:
        source = check_reads(principal, uow.sources.get(code), code)
        mapping = uow.mappings.of(code)
    _check_uploads(principal, source)
    if len(data) > rules.max_bytes:
        raise TooLarge("file-too-large", "The file is too large",
                       f"a file is at most {rules.max_bytes // 2**20} MB",
                       max_bytes=rules.max_bytes)
    return mapping


def _tables(filename: str, data: bytes, mapping: dict[str, PartMapping]) -> list[MappedTable]:
    try:
        # The file's tables (a list and a dict per row, no cycles) are made with the
        # collector paused: its full passes walked all the process held, three times for
        # a 200,000-row file (0.6 s of its 2 s read, timed with ``gc.callbacks``).
        with collector.paused():
            return _mapped(filename, data, mapping)
    except UnreadableFile as error:
        raise Invalid(error.slug, "The file cannot be read", str(error)) from None
    except MappingMismatch as error:
        raise Invalid("mapping-mismatch", "The file does not match the source's mapping",
                      str(error), problems=error.problems) from None


def _mapped(filename: str, data: bytes, mapping: dict[str, PartMapping]) -> list[MappedTable]:
    wanted = {m.table for m in mapping.values()} or None
    if wanted is not None:  # the parts not mapped are read from their default tables
        wanted |= {name for names in DEFAULT_TABLES.values() for name in names}
    found = read_tables(filename, data, wanted)
    return apply_mapping(((t.name, t.header, t.rows) for t in found), mapping)


def _check_uploads(principal: Principal, source: Source) -> None:
    """Staff, or the owner unit's business accounts; reading is not enough to send."""
    if not (principal.has_any_role("operator", "admin") or
            (principal.has_any_role("business") and principal.unit == source.owner_unit)):
        raise Forbidden("only the owner unit's business accounts send its files")


def _joined(errors: dict[int, list[str]],
            notes: dict[int, list[str]]) -> dict[int, list[str]]:
    return {row: [*errors.get(row, []), *notes.get(row, [])]
            for row in sorted(errors.keys() | notes.keys())}


def _report_table(table: MappedTable, notes: dict[int, list[str]]) -> dict[str, Any]:
    """What the report keeps of a table: its rows as the file has them (the same lists,
    not copies: a file's 200,000 rows) and the notes of the rows that have any, by row
    number; ``_with_notes`` puts them in the error column when the report is written."""
    return {"part": table.part, "table": table.table, "header": table.header,
            "rows": table.original,
            "notes": {str(number): "; ".join(texts) for number, texts in notes.items()}}


def _with_notes(table: dict[str, Any]) -> dict[str, Any]:
    """A stored table with its rows as the report shows them: each cut or padded to the
    header's width, its notes last (empty when it has none). A report stored before the
    notes were kept apart has its rows so already."""
    if "notes" not in table:
        return table
    width, notes = len(table["header"]), table["notes"]

    def rows() -> Iterator[list[str]]:
        for number, row in enumerate(table["rows"], start=1):
            note = notes.get(str(number), "")
            yield row + [note] if len(row) == width else \
                [*row[:width], *[""] * (width - len(row)), note]
    return {**table, "rows": rows()}


def _add(totals: dict[str, dict[str, int]], counts: dict[str, dict[str, int]]) -> None:
    for part, outcome in counts.items():
        for name, value in outcome.items():
            totals[part][name] += value


def _public(row: dict[str, Any] | None) -> dict[str, Any]:
    assert row is not None
    return {name: row[name] for name in (
        "upload_id", "source", "filename", "status", "rows_total", "rows_done", "counts",
        "error_count", "failure", "created_by", "created_at", "finished_at", "purged_at")}

