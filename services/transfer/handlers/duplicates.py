"""Linked duplicates when the record kept changes (R-TRF-11), inside the batch's
transaction so that records, duplicates and events commit together.

* **The record kept is withdrawn** (a withdrawal row naming the teacher, or its course
  withdrawn with its attendance): its oldest linked duplicate (first found, then by key)
  becomes the record kept — it enters the records with its own source, course key and
  account, and ``transfer.record.added.v1`` is published for it,
  so the teacher's transcript and the statistics keep the hours — unless another source's
  record is still kept in that place, to which the duplicates are then linked. The other
  duplicates of that record are linked to the new one (one of the same source as the new
  one is not its duplicate under the rule, "another source": it is promoted too). A
  duplicate whose course lies in a sealed year stays as it is (that year is read-only).
* **A course changed afterwards** (its organiser, start date or normalised title, so its
  place under the match rule moved) is matched again: each of its live records that now
  collides with a live record of another source becomes the later one — it leaves the
  records for ``duplicate_records``, linked to that record, and
  ``transfer.record.withdrawn.v1`` is published for it; each duplicate linked to one of
  its records, and each of its own duplicates, is linked to the record its place now
  matches, or promoted when none does.

Archiving a source withdraws nothing: its records are sealed as they are, stay kept and
counted, and their duplicates stay linked.

A move writes records and duplicates of other sources than the one sending: their rows
in ``sources`` are locked too (in code order) before what is moved is read again, so a
batch of that source waits rather than changes a duplicate being promoted.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from contracts.events.transfer import RECORD_ADDED, RECORD_WITHDRAWN
from servicekit.events import Envelope
from services.transfer.adapters.unit_of_work import TransferUnitOfWork
from services.transfer.handlers import push

log = logging.getLogger("transfer.duplicates")


def promote_after_withdrawal(uow: TransferUnitOfWork, kept_source: str,
                             withdrawn: Iterable[tuple[str, str]], now: datetime,
                             sealed: frozenset[int]) -> list[Envelope]:
    """``withdrawn``: the (course key, account) of the source's kept records just
    withdrawn. Their duplicates promoted and relinked; the events to publish."""
    gone = set(withdrawn)
    if not gone:
        return []
    course_keys = {key for key, _ in gone}
    linked = uow.duplicates.linked_to(kept_source, course_keys)
    if not linked:
        return []
    _lock(uow, kept_source, {duplicate["source"] for duplicate in linked})
    successors: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for duplicate in uow.duplicates.linked_to(kept_source, course_keys):
        record = (duplicate["kept_course_key"], duplicate["account_id"])
        if record in gone:
            successors.setdefault(record, []).append(duplicate)
    events: list[Envelope] = []
    for _, candidates in sorted(successors.items()):
        events += _succeed(uow, candidates, now, sealed)
    return events


def places_moving(uow: TransferUnitOfWork, source: str,
                  changed: Sequence[Mapping[str, Any]]) -> set[str]:
    """Of the courses about to change (their new values), those whose place under the
    match rule moves; read before the change is written."""
    if not changed:
        return set()
    before = uow.records.courses(source, (row["course_key"] for row in changed))
    return {row["course_key"] for row in changed
            if row["course_key"] in before
            and push.course_place(before[row["course_key"]]) != push.course_place(row)}


def match_again(uow: TransferUnitOfWork, source: str, course_keys: set[str], now: datetime,
                sealed: frozenset[int]) -> list[Envelope]:
    """The courses whose place moved, matched again once their change is written."""
    if not course_keys:
        return []
    details = uow.records.courses(source, course_keys)
    events: list[Envelope] = []
    demoted: set[tuple[str, str]] = set()
    live = uow.records.live_attendance_of(source, course_keys)
    places = {(row["course_key"], row["account_id"]):
              (*push.course_place(details[row["course_key"]]), row["account_id"]) for row in live}
    others = {kept[0] for kept in uow.duplicates.matches(source, list(places.values())).values()}
    others |= {d["source"] for d in uow.duplicates.linked_to(source, course_keys)}
    _lock(uow, source, others)
    kept_elsewhere = uow.duplicates.matches(source, list(places.values()))  # under the locks
    for row in sorted(live, key=lambda r: (r["course_key"], r["account_id"])):
        kept = kept_elsewhere.get(places[(row["course_key"], row["account_id"])])
        if kept is not None:
            events.append(_demote(uow, source, row, kept, now))
            demoted.add((row["course_key"], row["account_id"]))
    # Duplicates of records here, then this source's own duplicates in these courses.
    waiting = uow.duplicates.linked_to(source, course_keys) + [
        d for d in uow.duplicates.of_courses(source, course_keys)
        if (d["course_key"], d["account_id"]) not in demoted]
    for duplicate in waiting:
        events += _place_again(uow, duplicate, now, sealed)
    return events


def _lock(uow: TransferUnitOfWork, sending: str, codes: set[str]) -> None:
    for code in sorted(codes - {sending}):
        uow.sources.lock(code)


def _succeed(uow: TransferUnitOfWork, candidates: list[dict[str, Any]], now: datetime,
             sealed: frozenset[int]) -> list[Envelope]:
    """The duplicates of one record no longer kept, oldest first, each placed again: the
    first is promoted unless another source's record is still kept there, and the next
    ones find it and are linked to it (those of its own source are promoted too)."""
    events: list[Envelope] = []
    for duplicate in candidates:
        events += _place_again(uow, duplicate, now, sealed)
    return events


def _place_again(uow: TransferUnitOfWork, duplicate: dict[str, Any], now: datetime,
                 sealed: frozenset[int]) -> list[Envelope]:
    """A duplicate linked to the record its place matches now, or promoted if none."""
    course = _course_of(uow, duplicate)
    if course is None or course["start_year"] in sealed:
        return []
    place = (*push.course_place(course), duplicate["account_id"])
    kept = uow.duplicates.matches(duplicate["source"], [place]).get(place)
    if kept is None:
        return [_promote(uow, duplicate, course, now)]
    if kept != (duplicate["kept_source"], duplicate["kept_course_key"]):
        uow.duplicates.relink(duplicate, *kept)
    return []


def _course_of(uow: TransferUnitOfWork, duplicate: Mapping[str, Any]) -> dict[str, Any] | None:
    course = uow.records.courses(duplicate["source"], [duplicate["course_key"]]).get(
        duplicate["course_key"])
    if course is None or course["withdrawn_reason"] is not None or course["trial"]:
        return None
    return course


def _promote(uow: TransferUnitOfWork, duplicate: Mapping[str, Any],
             course: Mapping[str, Any], now: datetime) -> Envelope:
    source, key, account = duplicate["source"], duplicate["course_key"], duplicate["account_id"]
    # A record once kept, withdrawn and sent again may still have its (withdrawn) row:
    # it is brought back with a version above every one published.
    before = uow.records.attendance_states(source, [(key, account)],
                                           {key: course["start_year"]}).get((key, account))
    version = max(duplicate["version"], before.version if before else 0) + 1
    values = {"source": source, "course_key": key, "account_id": account,
              "start_year": course["start_year"], "digest": duplicate["digest"],
              "teacher_name": duplicate["teacher_name"],
              "school_code": duplicate["school_code"], "hours": duplicate["hours"],
              "completed_on": duplicate["completed_on"], "trial": False, "version": version,
              "withdrawn_reason": None, "updated_at": now}
    if before is None:
        uow.records.add_attendance([values])
    else:
        uow.records.change_attendance([values])
    uow.duplicates.remove(source, key, account)
    log.info("linked duplicate promoted", extra={
        "source": source, "course_key": key, "kept_source": duplicate["kept_source"],
        "kept_course_key": duplicate["kept_course_key"]})
    return uow.outbox.envelope(RECORD_ADDED, push.record_data(source, values, course))


def _demote(uow: TransferUnitOfWork, source: str, record: Mapping[str, Any],
            kept: tuple[str, str], now: datetime) -> Envelope:
    """A live record that now collides with another source's: the later one, it becomes
    a linked duplicate (its last version kept, to go on from if promoted)."""
    version = record["version"] + 1
    uow.duplicates.take_out_record(dict(record))
    uow.duplicates.add([{
        "source": source, "course_key": record["course_key"],
        "account_id": record["account_id"], "kept_source": kept[0],
        "kept_course_key": kept[1], "digest": record["digest"],
        "school_code": record["school_code"], "hours": record["hours"],
        "completed_on": record["completed_on"], "teacher_name": record["teacher_name"],
        "version": version, "found_at": now, "updated_at": now}])
    log.info("record became a linked duplicate", extra={
        "source": source, "course_key": record["course_key"], "kept_source": kept[0],
        "kept_course_key": kept[1]})
    return uow.outbox.envelope(RECORD_WITHDRAWN, {
        "source": source, "account_id": record["account_id"],
        "record_key": f"{record['course_key']}/{record['account_id']}", "version": version})
