"""The rules of time (R-TRF-5, R-TRF-6, R-TRF-11): the deadline list, the sources' own
monthly counts and the audits that compare them with what transfer holds, the list of
linked duplicates, and the archive of silent sources. The calendar itself is
``domain/schedule.py``; the scheduled commands call ``record_deadlines``,
``open_due_audits`` and ``archive_silent``."""
from __future__ import annotations

import logging
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from contracts.calendar import taipei_date
from servicekit.clock import Clock
from servicekit.errors import Conflict, Invalid, NotFound
from servicekit.tokens import Principal
from services.transfer.adapters.unit_of_work import TransferUnitOfWork
from services.transfer.domain.schedule import (
    LATE,
    MISSING,
    AuditPeriod,
    add_months,
    audits_due,
    daily_push_status,
    month_end,
    month_of,
    monthly_file_status,
    owes,
    silent,
)
from services.transfer.domain.sources import (
    ARCHIVED,
    DAILY_PUSH,
    PRODUCTION,
    PRODUCTION_OPENED,
    Source,
)
from services.transfer.handlers import finding_mails
from services.transfer.handlers.scope import (
    STAFF,
    check_reads,
    check_states_for,
    machine_source,
)

log = logging.getLogger("transfer.rules")
MEASURES = ("courses", "attendance", "hours")
SCHEDULER = "scheduled"


def opened_on(source: Source) -> date | None:
    """The day (Taiwan) a source opened production."""
    step = next((s for s in source.steps if s.name == PRODUCTION_OPENED), None)
    return taipei_date(step.at) if step is not None else None


def previous_month(clock: Clock) -> date:
    return add_months(month_of(taipei_date(clock.now())), -1)


# -- deadlines -------------------------------------------------------------------------------

def deadlines(uow: TransferUnitOfWork, clock: Clock, principal: Principal, month: date,
              silence_days: int) -> list[dict[str, Any]]:
    """Per production source that answers for ``month``: on time, late, missing (or
    pending while its deadline runs). The network's staff see every source, a unit's
    business accounts their unit's."""
    staff = principal.has_any_role(*STAFF)
    if not staff and not (principal.has_any_role("business") and principal.unit):
        return []
    with uow:
        codes = uow.sources.codes(None if staff else principal.unit)
        return _deadline_rows(uow, clock, [uow.sources.get(c) for c in codes], month,
                              silence_days)


def _deadline_rows(uow: TransferUnitOfWork, clock: Clock, found: list[Source | None],
                   month: date, silence_days: int) -> list[dict[str, Any]]:
    today = taipei_date(clock.now())
    answer = []
    for source in found:
        opened = opened_on(source) if source is not None else None
        if source is None or source.state != PRODUCTION or opened is None or \
                not owes(source.mode, opened, month):
            continue
        if source.mode == DAILY_PUSH:
            days = uow.deliveries.days(source.code, month, month_end(month))
            status = daily_push_status(month, opened, days, today, silence_days)
        else:
            days = uow.deliveries.days(source.code, add_months(month, 1), today)
            status = monthly_file_status(month, days, today)
        answer.append({
            "source": source.code, "name": source.name, "owner_unit": source.owner_unit,
            "mode": source.mode, "month": month.isoformat()[:7], "status": status.status,
            "due": status.due, "reported_on": status.reported_on,
            "longest_silence_days": status.longest_silence,
            "silence_days_allowed": silence_days if source.mode == DAILY_PUSH else None})
    return answer


def record_deadlines(uow: TransferUnitOfWork, clock: Clock, month: date,
                     silence_days: int) -> dict[str, Any]:
    """Scheduled (the 6th of each month, for the month before): the late and missing
    sources recorded (``deadline_findings``) and logged one by one, for the operators'
    follow-up, and a mail to each source's contact queued once per month
    (``finding_mails``; the caller sends it after the commit)."""
    now = clock.now()
    with uow:
        found = [uow.sources.get(code) for code in uow.sources.codes()]
        by_code = {source.code: source for source in found if source is not None}
        rows = _deadline_rows(uow, clock, found, month, silence_days)
        behind = [row for row in rows if row["status"] in (LATE, MISSING)]
        for row in behind:
            uow.audits.record_finding(row["source"], month, row["status"], _plain(row), now)
            finding_mails.queue_deadline(uow, by_code[row["source"]], row, now)
    for row in behind:
        log.warning("source behind its deadline", extra={
            "source": row["source"], "month": row["month"], "status": row["status"]})
    return {"month": month.isoformat()[:7], "sources": len(rows),
            "late": sorted(r["source"] for r in behind if r["status"] == LATE),
            "missing": sorted(r["source"] for r in behind if r["status"] == MISSING)}


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value.isoformat() if isinstance(value, date) else value
            for key, value in row.items()}


# -- a source's own counts and the audits -------------------------------------------------------

def report_counts(uow: TransferUnitOfWork, clock: Clock, principal: Principal, code: str,
                  month: date, counts: dict[str, Any]) -> dict[str, Any]:
    """A source states its counts of a month (courses, attendance rows, hours): with its
    own machine token, or through a business account of its owner unit, or an operator
    for it. Sent again, the newer counts replace the older; who stated them is kept with
    them and logged."""
    with uow:
        source = uow.sources.get(code)
        check_states_for(principal, source, code)
        if month >= month_of(taipei_date(clock.now())):
            raise Invalid("month-not-closed", "The month has not ended",
                          "a source reports the counts of a month that has ended")
        if source is None:
            raise NotFound(f"no source {code}")
        if source.sealed:
            raise Conflict("source-closed", "The source is archived", code, state=source.state)
        uow.audits.put_counts(code, month, counts, principal.subject, clock.now())
    stated_as = "source" if machine_source(principal) else ",".join(sorted(principal.roles))
    log.info("source counts stated", extra={
        "source": code, "month": month.isoformat()[:7], "by": principal.subject,
        "as": stated_as, "unit": principal.unit})
    return {"source": code, "month": month.isoformat()[:7], **counts,
            "reported_by": principal.subject}


def open_due_audits(uow: TransferUnitOfWork, clock: Clock,
                    month: date | None = None) -> dict[str, Any]:
    """Scheduled (monthly): the audits the calendar has due this month (Taiwan), for
    every production source, each opened once; its lines compare the source's counts
    with what transfer holds. An audit that differs queues a mail to the source's
    contact (the caller sends it after the commit)."""
    month = month or month_of(taipei_date(clock.now()))
    opened: list[dict[str, Any]] = []
    with uow:
        for code in uow.sources.codes():
            source = uow.sources.get(code)
            start = opened_on(source) if source is not None else None
            if source is None or source.state != PRODUCTION or start is None:
                continue
            for period in audits_due(start, month):
                if not uow.audits.exists(code, period.kind, period.first_month):
                    audit = _audit(uow, clock, code, period)
                    uow.audits.add(audit)
                    finding_mails.queue_audit(uow, source, audit, clock.now())
                    opened.append(audit)
    for audit in opened:
        log.info("audit opened", extra={"source": audit["source"], "kind": audit["kind"],
                                        "differences": audit["differences"]})
    return {"month": month.isoformat()[:7], "opened": [
        {"source": a["source"], "kind": a["kind"], "first_month": a["first_month"].isoformat(),
         "differences": a["differences"]} for a in opened]}


def _audit(uow: TransferUnitOfWork, clock: Clock, code: str,
           period: AuditPeriod) -> dict[str, Any]:
    last_day = month_end(period.last_month)
    reported = uow.audits.reported(code, period.first_month, period.last_month)
    held = uow.audits.held(code, period.first_month, last_day)
    lines, differences = [], 0
    for month in period.months:
        theirs = reported.get(month)
        ours = held.get(month, {"courses": 0, "attendance": 0, "hours": Decimal("0.0")})
        if theirs is None:
            different = list(MEASURES)
        else:
            different = [m for m in MEASURES if Decimal(str(theirs[m])) != Decimal(str(ours[m]))]
        differences += len(different)
        lines.append({"month": month.isoformat()[:7],
                      "reported": None if theirs is None else _numbers(theirs),
                      "held": _numbers(ours), "differences": different})
    return {"audit_id": str(uuid.uuid4()), "source": code, "kind": period.kind,
            "first_month": period.first_month, "last_month": period.last_month,
            "lines": lines, "differences": differences, "opened_at": clock.now()}


def _numbers(counts: dict[str, Any]) -> dict[str, Any]:
    return {"courses": int(counts["courses"]), "attendance": int(counts["attendance"]),
            "hours": str(Decimal(str(counts["hours"])).quantize(Decimal("0.1")))}


def audits_of(uow: TransferUnitOfWork, principal: Principal, code: str) -> list[dict[str, Any]]:
    with uow:
        check_reads(principal, uow.sources.get(code), code)
        return [_public_audit(a) for a in uow.audits.of(code)]


def audit(uow: TransferUnitOfWork, principal: Principal, code: str,
          audit_id: str) -> dict[str, Any]:
    with uow:
        check_reads(principal, uow.sources.get(code), code)
        found = uow.audits.get(audit_id)
    if found is None or found["source"] != code:
        raise NotFound(f"no audit {audit_id}")
    return _public_audit(found)


def _public_audit(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "first_month": row["first_month"].isoformat()[:7],
            "last_month": row["last_month"].isoformat()[:7]}


# -- duplicates ---------------------------------------------------------------------------------

def duplicates(uow: TransferUnitOfWork, source: str | None, limit: int,
               after: tuple[str, str, str] | None) -> list[dict[str, Any]]:
    """The linked duplicates (operators): the reporting source's record and the record
    kept, in key order, ``limit`` at a time after a key."""
    with uow:
        return uow.duplicates.listing(source, limit, after)


# -- the archive of silent sources ----------------------------------------------------------

def archive_silent(uow: TransferUnitOfWork, clock: Clock, since: date) -> dict[str, Any]:
    """Scheduled: production sources from which nothing came on or after ``since`` (the
    seed's 2013-01-01) although they were in production before it are archived (sealed),
    each logged; reopening one is a new application."""
    now = clock.now()
    archived: list[str] = []
    with uow:
        for code in uow.sources.codes():
            source = uow.sources.get(code)
            if source is None or source.state != PRODUCTION:
                continue
            last = uow.deliveries.last_day(code)
            if last is None or last < since:  # records kept from before deliveries were
                changed = uow.deliveries.last_record_change(code)
                if changed is not None:
                    last = max(day for day in (last, taipei_date(changed)) if day)
            if silent(last, opened_on(source), since):
                if not uow.sources.save(source, source.moved_to(ARCHIVED, SCHEDULER, now)):
                    raise Conflict("source-changed", "The source changed meanwhile", code)
                archived.append(code)
    for code in archived:
        log.warning("silent source archived", extra={"source": code,
                                                     "silent_since": since.isoformat()})
    return {"since": since.isoformat(), "archived": archived}
