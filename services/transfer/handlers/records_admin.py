"""Operators' commands on the records as a whole.

``announce_records``: every live production attendance record published again as
``transfer.record.added.v1`` with its current version, for a consumer that subscribes
later (the statistics' backfill). Each event's id is derived from the record's key and
version, so a second run sends the same ids and every consumer's inbox skips what it has
applied; an id still in the outbox is queued again rather than duplicated.

``seal_year``: a year's records made read-only (R-TRF-12), see ``records_repo``."""
from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from typing import Any

from contracts.events.transfer import RECORD_ADDED
from servicekit.clock import Clock
from servicekit.errors import Conflict
from services.transfer.adapters.records_repo import ensure_year_partitions, seal_year
from services.transfer.adapters.unit_of_work import TransferUnitOfWork
from services.transfer.handlers.push import record_data

log = logging.getLogger(__name__)

ANNOUNCE_BATCH = 5_000
# The namespace of announced events' ids: uuid5(namespace, "<source>/<record key>/<version>").
ANNOUNCED = uuid.UUID("6f1d7a52-3c4e-5b8a-9d2f-1e0b7c6a4d30")


def announced_event_id(source: str, record_key: str, version: int) -> str:
    return str(uuid.uuid5(ANNOUNCED, f"{source}/{record_key}/{version}"))


def announce_records(uow: TransferUnitOfWork, batch: int = ANNOUNCE_BATCH) -> dict[str, int]:
    """Published in transactions of ``batch`` records, in key order, so a stopped run
    resumes by running again (what was announced is skipped by the consumers)."""
    after: tuple[str, str, str] | None = None
    announced = 0
    while True:
        with uow:
            rows = uow.records.live_production_page(after, batch)
            if not rows:
                break
            envelopes = []
            for row in rows:
                data = record_data(row["source"], row, row)
                envelope = uow.outbox.envelope(RECORD_ADDED, data)
                envelopes.append(replace(envelope, id=announced_event_id(
                    row["source"], data["record_key"], row["version"])))
            uow.records.queue_again(envelopes)
        announced += len(rows)
        last = rows[-1]
        after = (last["source"], last["course_key"], last["account_id"])
    log.info("transfer records announced", extra={"records": announced})
    return {"announced": announced}


def seal(uow: TransferUnitOfWork, clock: Clock, year: int, by: str) -> dict[str, Any]:
    ensure_year_partitions(uow.database.engine, [year])  # before the sealing transaction
    with uow:
        if not seal_year(uow.session, year, by, clock.now()):
            raise Conflict("year-sealed", "The year is sealed already", f"{year} is sealed")
    log.info("transfer year sealed", extra={"year": year, "by": by})
    return {"year": year, "sealed": True, "by": by}
