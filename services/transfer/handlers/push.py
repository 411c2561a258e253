"""A batch of courses, attendance and withdrawals from a source (R-TRF-2), accepted row
by row in one transaction: rows without errors are kept, each faulty row is answered
(part, row number, field, stable code, zh-TW and English message) and changes nothing.

Idempotent by the source's own keys: a row equal to what is kept is ``unchanged`` (no
write, no event); a different one is ``changed`` (its version goes up); a withdrawal
keeps the record with its reason and stops it counting. A production source's attendance
records are published as ``transfer.record.*`` (R-CRS-11) in the same transaction; a test
source's are kept apart (``trial``) and never published.

Teachers are resolved to accounts before the transaction (``TeacherDirectory``); the
national ID is then dropped: only the account id is kept.

The duplicate match rule (R-TRF-11, ``domain/titles.py``): a new attendance of a
production source whose teacher already has a live record of another production source
in a course of the same organiser, start date and normalised title is kept as a linked
duplicate (``duplicate_records``, referencing the record kept) — counted as added,
answered in ``duplicates``, never published; when the record kept is withdrawn, or a
course's place under the rule moves, ``duplicates.py`` promotes and relinks. Each batch or processed file is a delivery
of its day (``source_deliveries``), which the deadlines read.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from contracts.calendar import taipei_date
from contracts.events.transfer import RECORD_ADDED, RECORD_CHANGED, RECORD_WITHDRAWN
from servicekit.bus.bulk_outbox import SpotCheckedBulkOutbox
from servicekit.clock import Clock, FixedClock
from servicekit.errors import Conflict, NotFound
from servicekit.events import Envelope
from servicekit.tokens import Principal
from services.transfer.adapters.records_repo import Stored
from services.transfer.adapters.unit_of_work import TransferUnitOfWork
from services.transfer.domain.mapping import fields_of
from services.transfer.domain.records import (
    Attendance,
    Course,
    check_attendance,
    check_course,
    plain_attendance,
)
from services.transfer.domain.row_errors import RowError
from services.transfer.domain.sources import Source
from services.transfer.domain.teacher_ids import normalised
from services.transfer.domain.titles import title_digest
from services.transfer.handlers import collector, duplicates
from services.transfer.handlers.ports import TeacherDirectory
from services.transfer.handlers.record_events import RecordEvents, record_data
from services.transfer.handlers.scope import check_sends
from services.transfer.metrics import count_rows

ADDED, CHANGED, UNCHANGED, WITHDRAWN = "added", "changed", "unchanged", "withdrawn"
PARTS = ("courses", "attendance", "withdrawals")
PUSH, FILE = "push", "file"  # kinds of delivery
# The rows a pushed batch sends the server at a time (``_Writer._store``): one COPY, each
# part sent as it is made, so the server stores one while the next is made. Alternated
# batch by batch in one process against the two halves (each its own COPY of rows and of
# events) this replaced: 1.6-1.7 µs a row faster at 250 (three rounds), 1.7-2.0 at 100,
# 1.1-2.0 at 500; a single part (two COPYs) was within 0.5 of the halves. A file's
# chunks go whole: their writer shares the server's waits with the next chunk's check,
# in another thread, and halving them only moved the writer's Python into those waits
# (first sends of 200,000 rows alternated: 26.7 s against 25.3 s for three each).
PART_ROWS = 250


@dataclass
class Outcome:
    counts: dict[str, dict[str, int]] = field(default_factory=lambda: {
        part: {ADDED: 0, CHANGED: 0, UNCHANGED: 0, WITHDRAWN: 0} for part in PARTS[:2]})
    errors: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)

    def fail(self, part: str, errors: list[RowError]) -> None:
        self.errors.extend(error.as_dict(part) for error in errors)

    def answer(self, source: Source) -> dict[str, Any]:
        return {"source": source.code, "trial": source.in_test, "counts": self.counts,
                "errors": sorted(self.errors, key=lambda e: (PARTS.index(e["part"]), e["row"])),
                "duplicates": self.duplicates}


def course_place(course: Mapping[str, Any]) -> tuple[str, date, str]:
    """Where the match rule (R-TRF-11) puts a kept course: its organiser, start date and
    title digest (``title_digest``, kept with the course)."""
    return course["organiser_unit_code"], course["start_date"], course["title_digest"]


class _DryRun(Exception):
    """Raised at the end of a trial run so that its transaction rolls back."""


def push(uow: TransferUnitOfWork, clock: Clock, directory: TeacherDirectory,
         principal: Principal, code: str, batch: Mapping[str, list[Any]],
         freeze: date) -> dict[str, Any]:
    check_sends(principal, code)
    with collector.skips_what_is_held():
        answer = accept(uow, clock, directory, code, batch, freeze, delivery=PUSH)
    count_rows("push", answer)  # committed
    return answer


def accept(uow: TransferUnitOfWork, clock: Clock, directory: TeacherDirectory, code: str,
           batch: Mapping[str, list[Any]], freeze: date, dry_run: bool = False,
           first_row: int = 1, delivery: str | None = None) -> dict[str, Any]:
    """The batch accepted row by row; ``dry_run``: every check and the answer it would
    get, then rolled back (a source tests a file so, and nothing is stored).
    ``first_row``: the number of each part's first row (a file is accepted in chunks).
    ``delivery``: the kind of delivery this batch is, recorded for its day (a file's
    chunks are not: the file is recorded once, when it is done)."""
    return write(uow, clock, code, check(uow, directory, code, batch, freeze, first_row),
                 dry_run, delivery)


@dataclass
class Checked:
    """A batch checked row by row and its teachers resolved (``check``), before anything
    is read of what is kept: a file checks its next chunk while this one is written.
    ``attendance``: each row with its account (None: an unknown teacher)."""
    outcome: Outcome
    courses: list[tuple[int, Course]]
    attendance: list[tuple[int, Attendance, str | None]]
    withdrawals: list[tuple[int, dict[str, Any]]]
    accounts: dict[str, str]
    rows: int


def check(uow: TransferUnitOfWork, directory: TeacherDirectory, code: str,
          batch: Mapping[str, list[Any]], freeze: date, first_row: int = 1) -> Checked:
    outcome = Outcome()
    exempt: frozenset[str] = frozenset()
    if batch.get("courses"):  # only courses are let through the freeze
        with uow:
            exempt = uow.exceptions.keys(code)
    course_rows = _courses(batch.get("courses", []), freeze, exempt, outcome, first_row)
    attendance_rows = _attendance(batch.get("attendance", []), outcome, first_row)
    withdrawals = _withdrawals(batch.get("withdrawals", []), outcome, first_row)
    accounts = directory.account_ids(sorted(
        {a.teacher_id for _, a in attendance_rows} |
        {w["teacher_id"] for _, w in withdrawals if w["teacher_id"]}))
    resolved = [(number, row, accounts.get(row.teacher_id)) for number, row in attendance_rows]
    return Checked(outcome, course_rows, resolved, withdrawals, accounts,
                   sum(len(rows) for rows in batch.values()))


def write(uow: TransferUnitOfWork, clock: Clock, code: str, checked: Checked,
          dry_run: bool = False, delivery: str | None = None,
          also: Callable[[TransferUnitOfWork], None] | None = None,
          read: Callable[[], None] | None = None) -> dict[str, Any]:
    """A checked batch (``check``) written in one transaction, and its answer. ``also``:
    more to write in the same transaction (a file's progress: it commits with its rows).
    ``read``: called once what is kept has been read, when only the writes are left (a
    file then starts checking its next chunk: see ``uploads._checked_ahead``)."""
    outcome, now = checked.outcome, clock.now()
    years = {course.start_date.year for _, course in checked.courses}
    if years:
        with uow:  # before the writing transaction: a new year's partition locks its table
            uow.records.ensure_years(years)
    try:
        with uow:
            source, sealed = _open_source(uow, code)
            writer = _Writer(uow, source, now, sealed, read)
            writer.courses(checked.courses, outcome)
            writer.attendance(checked.attendance, outcome)
            writer.withdrawals(checked.withdrawals, checked.accounts, outcome)
            writer.read_all()
            writer.flush()
            if delivery is not None and not dry_run:
                uow.deliveries.record(code, taipei_date(now), delivery, checked.rows, now)
            if also is not None:
                also(uow)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return outcome.answer(source)


def _open_source(uow: TransferUnitOfWork, code: str) -> tuple[Source, frozenset[int]]:
    """The source, locked, and the sealed years. Each batch and each chunk of a file asks
    again in its own transaction, so a source archived while a file is processed takes
    no chunk after that. One writer per source at a time: each key is looked up before
    it is written (the records' primary keys hold the start year, so they alone do not
    keep a key single)."""
    found = uow.sources.locked_for_records(code)
    if found is None:
        raise NotFound(f"no source {code}")
    source, sealed = found
    if not source.accepts_records:
        raise Conflict("source-closed", "The source does not send records now",
                       f"a source that is {source.state} sends nothing", state=source.state)
    return source, sealed


def _courses(rows: list[Any], freeze: date, exempt: frozenset[str], outcome: Outcome,
             first: int = 1) -> list[tuple[int, Course]]:
    checked, seen = [], set()
    for number, raw in enumerate(rows, start=first):
        course = check_course(number, fields_of("courses", raw), freeze, exempt)
        if isinstance(course, list):
            outcome.fail("courses", course)
        elif course.key in seen:
            outcome.fail("courses", [RowError(number, "source_course_key", "duplicate-in-batch")])
        else:
            seen.add(course.key)
            checked.append((number, course))
    return checked


def _attendance(rows: list[Any], outcome: Outcome,
                first: int = 1) -> list[tuple[int, Attendance]]:
    checked, seen = [], set()
    for number, (raw, plain) in enumerate(zip(rows, plain_attendance(rows), strict=True),
                                          start=first):
        row = plain if plain is not None else check_attendance(
            number, fields_of("attendance", raw))
        if isinstance(row, list):
            outcome.fail("attendance", row)
        elif (row.course_key, row.teacher_id) in seen:
            outcome.fail("attendance", [RowError(number, "teacher_id", "duplicate-in-batch")])
        else:
            seen.add((row.course_key, row.teacher_id))
            checked.append((number, row))
    return checked


def _withdrawals(rows: list[Any], outcome: Outcome,
                 first: int = 1) -> list[tuple[int, dict[str, Any]]]:
    checked = []
    for number, given_row in enumerate(rows, start=first):
        raw = fields_of("withdrawals", given_row)
        if not isinstance(raw, Mapping):
            outcome.fail("withdrawals", [RowError(number, "", "invalid-row")])
            continue
        key = str(raw.get("source_course_key") or "").strip()
        reason = str(raw.get("reason") or "").strip()
        given = raw.get("teacher_id")
        teacher = normalised(given) if given else None
        errors = [RowError(number, name, "required") for name, value in
                  (("source_course_key", key), ("reason", reason)) if not value]
        errors += [RowError(number, "reason", "too-long")] if len(reason) > 500 else []
        if given and teacher is None:
            errors.append(RowError(number, "teacher_id", "invalid-national-id"))
        if errors:
            outcome.fail("withdrawals", errors)
        else:
            checked.append((number, {"course_key": key, "teacher_id": teacher,
                                     "reason": reason}))
    return checked


class _Writer:
    def __init__(self, uow: TransferUnitOfWork, source: Source, now: datetime,
                 sealed: frozenset[int] = frozenset(),
                 read: Callable[[], None] | None = None) -> None:
        self.uow, self.source, self.now, self.sealed = uow, source, now, sealed
        self._read = read
        # A file's next chunk is checked in another thread while this one is written
        # (``read`` starts it): its Python has the server's waits already.
        self.in_parts = read is None
        self.trial = source.in_test
        self.changed_courses: set[str] = set()
        self.events: list[Envelope] = []

    def courses(self, rows: list[tuple[int, Course]], outcome: Outcome) -> None:
        if not rows:  # an attendance batch: nothing to look up
            return
        stored = self.uow.records.course_states(self.source.code, (c.key for _, c in rows))
        added, changed = [], []
        years: dict[str, int] = {}
        for number, course in rows:
            digest, before = course.digest(), stored.get(course.key)
            values = self._course_values(course, digest)
            if {course.start_date.year, before.start_year if before else 0} & self.sealed:
                outcome.fail("courses", [RowError(number, "start_date", "sealed-year")])
            elif before is None:
                added.append({**values, "version": 1})
                outcome.counts["courses"][ADDED] += 1
            elif before.digest == digest and not before.withdrawn:
                outcome.counts["courses"][UNCHANGED] += 1
            else:
                changed.append({**values, "version": before.version + 1,
                                "withdrawn_reason": None})
                outcome.counts["courses"][CHANGED] += 1
                self.changed_courses.add(course.key)
                years[course.key] = course.start_date.year
        moving = set() if self.trial else duplicates.places_moving(self.uow, self.source.code,
                                                                   changed)
        self.uow.records.add_courses(added)
        self.uow.records.change_courses(changed)
        for key in sorted(self.changed_courses):
            self.uow.records.bump_attendance_versions(self.source.code, key, self.now,
                                                      years[key])
        if not self.trial and self.changed_courses:
            details = self.uow.records.courses(self.source.code, self.changed_courses)
            live = self.uow.records.live_attendance_of(self.source.code, self.changed_courses)
            for row in live:
                self._publish(RECORD_CHANGED, row, details[row["course_key"]])
            self.events += duplicates.match_again(self.uow, self.source.code, moving,
                                                  self.now, self.sealed)

    def attendance(self, rows: list[tuple[int, Attendance, str | None]],
                   outcome: Outcome) -> None:
        known = self.uow.records.live_courses(self.source.code,
                                              {a.course_key for _, a, _ in rows})
        ready: list[tuple[int, Attendance, str]] = []
        for number, row, account in rows:
            if row.course_key not in known:
                outcome.fail("attendance", [RowError(number, "source_course_key",
                                                     "unknown-course")])
            elif known[row.course_key]["start_year"] in self.sealed:
                outcome.fail("attendance", [RowError(number, "source_course_key",
                                                     "sealed-year")])
            elif account is None:
                outcome.fail("attendance", [RowError(number, "teacher_id", "unknown-teacher")])
            else:
                ready.append((number, row, account))
        differing, missing = self.uow.records.compare_attendance(
            self.source.code, ((row.course_key, account, row) for _, row, account in ready),
            {key: course["start_year"] for key, course in known.items()})
        counts = outcome.counts["attendance"]
        # A row kept as it is (unchanged: no write) is settled without its digest. With
        # nothing missing nor differing (an unchanged re-send) no row is looked at again.
        if not differing and len(missing) == len(ready):
            writing = fresh = ready  # every row new (a first send): each is written
        else:
            writing = [(number, row, account) for number, row, account in ready
                       if (row.course_key, account) in missing
                       or (row.course_key, account) in differing] if missing or differing else []
            # A withdrawn record sent again is matched as a new one (another source's
            # record may have been promoted meanwhile).
            new = missing | {key for key, kept in differing.items() if kept.withdrawn}
            fresh = [row for row in writing if (row[1].course_key, row[2]) in new]
        counts[UNCHANGED] += len(ready) - len(writing)
        kept_elsewhere = self._duplicates(fresh, known, outcome) if not self.trial else set()
        self.read_all()
        if kept_elsewhere:
            writing = [row for row in writing if (row[1].course_key, row[2]) not in kept_elsewhere]
        if self.trial:
            added, changed = self._values(writing, differing, known, counts)
            self.uow.records.add_attendance(added)
            self.uow.records.change_attendance(changed)
            return
        self.flush()  # the events the batch made before go first, in order
        self._store(writing, differing, known, counts)

    def _store(self, rows: list[tuple[int, Attendance, str]],
               differing: dict[tuple[str, str], Stored], known: dict[str, dict[str, Any]],
               counts: dict[str, int]) -> None:
        """The rows to write, kept and published. A push's are sent ``PART_ROWS`` at a
        time in one COPY, each part made while the server stores the one before, the
        events made while it stores the last; then the events' COPY. So the server has
        the first rows once the first part is made, not the whole batch, and a batch pays
        two COPYs (the two halves this replaced paid four). One transaction still: a failure while
        a part is made abandons the COPY with it."""
        size = PART_ROWS if self.in_parts else max(len(rows), 1)
        added: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        with self.uow.records.adding_attendance() as add:
            for start in range(0, len(rows), size):
                part_added, part_changed = self._values(rows[start:start + size], differing,
                                                        known, counts)
                add(part_added)
                added += part_added
                changed += part_changed
            events = self._record_events(((RECORD_ADDED, added), (RECORD_CHANGED, changed)),
                                         known)
        self.uow.records.change_attendance(changed)
        if events is not None:
            events.write(self.uow.session)

    def _values(self, rows: list[tuple[int, Attendance, str]],
                differing: dict[tuple[str, str], Stored], known: dict[str, dict[str, Any]],
                counts: dict[str, int]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """What is written of each row: the new ones (added) and those kept otherwise
        (changed, their version up), counted."""
        added: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        code, trial, now = self.source.code, self.trial, self.now
        for _, row, account in rows:
            before = differing.get((row.course_key, account))
            values: dict[str, Any] = {
                "source": code, "course_key": row.course_key, "account_id": account,
                "digest": row.digest(account), "school_code": row.school_code,
                "start_year": known[row.course_key]["start_year"],
                "teacher_name": row.teacher_name, "hours": row.hours,
                "completed_on": row.completed_on, "trial": trial, "updated_at": now,
                "withdrawn_reason": None, "version": 1 if before is None else before.version + 1}
            if before is None:
                added.append(values)
            else:
                changed.append(values)
        counts[ADDED] += len(added)
        counts[CHANGED] += len(changed)
        return added, changed

    def read_all(self) -> None:
        """What is kept has been read: said once, to whoever asked (``write``'s ``read``)."""
        read, self._read = self._read, None
        if read is not None:
            read()

    def _record_events(self, groups: tuple[tuple[str, list[dict[str, Any]]], ...],
                       known: dict[str, dict[str, Any]]) -> SpotCheckedBulkOutbox | None:
        """The attendance's events in bulk (``record_events``), their rows made now
        (``prepare``: no statement) for the caller to store. A batch with an event the
        bulk writer may not vouch for records each through the outbox (``flush``)."""
        events = RecordEvents(self.source.code)
        if not any(rows for _, rows in groups):
            return None
        if not all(events.plain(values) for _, rows in groups for values in rows):
            for event, rows in groups:
                for values in rows:
                    self._publish(event, values, known[values["course_key"]])
            return None
        bulk = self.uow.bulk_events(FixedClock(self.now))
        for event, rows in groups:
            if rows:
                bulk.add_many_made(event, [(values, known[values["course_key"]])
                                           for values in rows], events.data, events.json)
        bulk.prepare(self.uow.session)
        return bulk

    def _duplicates(self, rows: list[tuple[int, Attendance, str]],
                    known: dict[str, dict[str, Any]],
                    outcome: Outcome) -> set[tuple[str, str]]:
        """The new rows that are linked duplicates (kept in their own table, answered, not
        published); their keys, for the caller to leave out."""
        rows = [row for row in rows if known[row[1].course_key]["may_match"]]
        if not rows:  # the usual batch: no course it adds to can hold a duplicate
            return set()
        code = self.source.code
        linked = self.uow.duplicates.digests(code, ((r.course_key, a) for _, r, a in rows))
        by_course: dict[str, list[tuple[int, Attendance, str]]] = {}
        for ready_row in rows:
            by_course.setdefault(ready_row[1].course_key, []).append(ready_row)
        handled: set[tuple[str, str]] = set()
        new: list[dict[str, Any]] = []
        places = {key: course_place(known[key]) for key in by_course}
        kept_by = self.uow.duplicates.matches(code, [
            (*places[r.course_key], a) for _, r, a in rows if (r.course_key, a) not in linked])
        if not linked and not kept_by:  # neighbours, but none holds these teachers
            return handled
        for key, course_rows in sorted(by_course.items()):
            place = places[key]
            for number, row, account in course_rows:
                digest = row.digest(account)
                if (key, account) in linked:
                    handled.add((key, account))
                    if linked[(key, account)] == digest:
                        outcome.counts["attendance"][UNCHANGED] += 1
                    else:
                        self.uow.duplicates.change(code, key, account,
                                                   self._duplicate_values(row, digest))
                        outcome.counts["attendance"][CHANGED] += 1
                    continue
                kept = kept_by.get((*place, account))
                if kept is None:
                    continue
                handled.add((key, account))
                kept_source, kept_course = kept
                new.append({**self._duplicate_values(row, digest), "source": code,
                            "course_key": key,
                            "account_id": account, "kept_source": kept_source,
                            "kept_course_key": kept_course, "found_at": self.now})
                outcome.counts["attendance"][ADDED] += 1
                outcome.duplicates.append({"part": "attendance", "row": number,
                                           "kept_source": kept_source,
                                           "kept_course_key": kept_course})
        self.uow.duplicates.add(new)
        return handled

    def _duplicate_values(self, row: Attendance, digest: str) -> dict[str, Any]:
        """What a linked duplicate keeps of its row."""
        return {"digest": digest, "school_code": row.school_code, "hours": row.hours,
                "completed_on": row.completed_on, "teacher_name": row.teacher_name,
                "updated_at": self.now}

    def withdrawals(self, rows: list[tuple[int, dict[str, Any]]], accounts: dict[str, str],
                    outcome: Outcome) -> None:
        for number, row in rows:
            key, reason = row["course_key"], row["reason"]
            if row["teacher_id"]:
                account = accounts.get(row["teacher_id"])
                stored = self.uow.records.attendance_states(
                    self.source.code, [(key, account)]).get((key, account or "")) \
                    if account else None
                if (stored is None or stored.withdrawn) and account and \
                        self.uow.duplicates.remove(self.source.code, key, account):
                    outcome.counts["attendance"][WITHDRAWN] += 1  # a duplicate: no event
                    continue
                if stored is None or stored.withdrawn:
                    outcome.fail("withdrawals", [RowError(number, "teacher_id",
                                                          "unknown-record")])
                    continue
                if stored.start_year in self.sealed:
                    outcome.fail("withdrawals", [RowError(number, "source_course_key",
                                                          "sealed-year")])
                    continue
                self._withdraw_attendance([{"course_key": key, "account_id": account,
                                            "version": stored.version}], reason)
                self._promote_duplicates([(key, str(account))])
            else:
                course = self.uow.records.course_states(self.source.code, [key]).get(key)
                if course is None or course.withdrawn:
                    outcome.fail("withdrawals", [RowError(number, "source_course_key",
                                                          "unknown-record")])
                    continue
                if course.start_year in self.sealed:
                    outcome.fail("withdrawals", [RowError(number, "source_course_key",
                                                          "sealed-year")])
                    continue
                self.uow.records.change_courses([{
                    "source": self.source.code, "course_key": key,
                    "version": course.version + 1, "withdrawn_reason": reason,
                    "updated_at": self.now}])
                outcome.counts["courses"][WITHDRAWN] += 1
                live = self.uow.records.live_attendance_of(self.source.code, [key])
                self._withdraw_attendance(live, reason)
                self._promote_duplicates([(key, row["account_id"]) for row in live])
                linked = self.uow.duplicates.remove(self.source.code, key)
                outcome.counts["attendance"][WITHDRAWN] += len(live) + linked
                continue
            outcome.counts["attendance"][WITHDRAWN] += 1

    def _withdraw_attendance(self, rows: list[dict[str, Any]], reason: str) -> None:
        self.uow.records.change_attendance([{
            "source": self.source.code, "course_key": row["course_key"],
            "account_id": row["account_id"], "version": row["version"] + 1,
            "withdrawn_reason": reason, "updated_at": self.now} for row in rows])
        if not self.trial:
            for row in rows:
                self.events.append(self.uow.outbox.envelope(RECORD_WITHDRAWN, {
                    "source": self.source.code, "account_id": row["account_id"],
                    "record_key": f"{row['course_key']}/{row['account_id']}",
                    "version": row["version"] + 1}))

    def _promote_duplicates(self, withdrawn: list[tuple[str, str]]) -> None:
        """Kept records withdrawn: their linked duplicates take their place."""
        if not self.trial:
            self.events += duplicates.promote_after_withdrawal(
                self.uow, self.source.code, withdrawn, self.now, self.sealed)

    def _course_values(self, course: Course, digest: str) -> dict[str, Any]:
        return {"source": self.source.code, "course_key": course.key, "digest": digest,
                "title": course.title, "title_digest": title_digest(course.title),
                "organiser_unit_code": course.organiser_unit_code,
                "county_code": course.county_code, "start_date": course.start_date,
                "start_year": course.start_date.year,
                "end_date": course.end_date, "hours": course.hours,
                "class_type": course.class_type, "category": course.category,
                "tags": list(course.tags), "lecturers": list(course.lecturers),
                "trial": self.trial, "updated_at": self.now}

    def _publish(self, event: str, row: Mapping[str, Any], course: Mapping[str, Any]) -> None:
        self.events.append(self.uow.outbox.envelope(
            event, record_data(self.source.code, row, course)))

    def flush(self) -> None:
        """The batch's events into the outbox in one statement (a row each, in order)."""
        self.uow.record_many(self.events)
        self.events = []
