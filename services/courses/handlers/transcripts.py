"""Teachers' transcripts (R-CRS-11): the network's hours are written with the closing that
issues them (handlers.attendance); transfer records arrive as the transfer service's
events and are folded in here, inside the consumer's transaction (its inbox row commits
with them): the newest version of each (source, record key) wins whatever the order."""
from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from servicekit.bus.consumer import batched
from servicekit.events import Envelope
from servicekit.replica import upsert_newer
from services.courses.adapters.orm import transcript_entries
from services.courses.adapters.uow import CoursesUnitOfWork
from services.courses.domain.transcripts import transcript

if TYPE_CHECKING:  # the token's reader pulls in the web stack; handlers need only its shape
    from servicekit.tokens import Principal

Events = list[tuple[dict[str, Any], Envelope]]


@batched
def apply_transfer_records(session: Session, events: Events) -> None:
    """Added and changed records: the whole record as it now stands."""
    upsert_newer(session, transcript_entries, ["source", "record_key"], [
        {"source": data["source"], "record_key": data["record_key"],
         "account_id": str(data["account_id"]), "hours": data["hours"], "title": data["title"],
         "organiser": data["organiser"], "starts_on": data["starts_on"],
         "ends_on": data["ends_on"], "tags": list(data["tags"]), "withdrawn": False,
         "version": data["version"]} for data, _envelope in events],
        shared={"updated_at": datetime.now(UTC)})


@batched
def withdraw_transfer_records(session: Session, events: Events) -> None:
    """A withdrawn record stays as a tombstone, so an older version arriving late cannot
    bring it back."""
    upsert_newer(session, transcript_entries, ["source", "record_key"], [
        {"source": data["source"], "record_key": data["record_key"],
         "account_id": str(data["account_id"]), "hours": 0, "title": "", "organiser": "",
         "starts_on": None, "ends_on": None, "tags": [], "withdrawn": True,
         "version": data["version"]} for data, _envelope in events],
        shared={"updated_at": datetime.now(UTC)})


def mine(uow: CoursesUnitOfWork, principal: Principal, year: int | None,
         tag: str | None) -> dict[str, Any]:
    with uow:
        entries = uow.transcripts.entries(principal.subject)
    return {"account_id": principal.subject, "year": year, "tag": tag,
            **transcript(entries, year, tag)}


CSV_COLUMNS = ("date", "starts_on", "title", "hours", "source", "organiser", "tags")


def as_csv(answer: dict[str, Any]) -> str:
    """UTF-8 with a byte-order mark, so that spreadsheet programs read the Chinese."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry in answer["entries"]:
        writer.writerow([entry.ends_on.isoformat(), entry.starts_on.isoformat(),
                         _safe(entry.title), f"{entry.hours:.1f}", entry.source,
                         _safe(entry.organiser), ";".join(entry.tags)])
    writer.writerow(["total", "", "", f"{answer['total_hours']:.1f}", "", "", ""])
    return "\ufeff" + buffer.getvalue()


def _safe(text: str) -> str:
    """A cell a spreadsheet would run as a formula is kept as text (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
