"""``transfer.record.added/changed`` events (R-CRS-11): an attendance record with its
course, as the contract's data.

A file's 200,000 rows make 200,000 events: ``RecordEvents`` writes each event's JSON
straight from the kept row and its course (the course's part written once per course),
for the kit's ``SpotCheckedBulkOutbox``, which validates the first event of each type
against the contract and stores the rest unvalidated. That is sound here because every
field was checked before: the row's by ``domain/records.py``, the course's when it was
kept; and what the contract asks beyond those checks (hours at most 9,999, an account
id that is a UUID — the accounts lookup's answer) is tested per event by ``plain`` — a
batch with any event outside it is recorded through the outbox, each event validated."""
from __future__ import annotations

import re
from collections.abc import Mapping
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

# A UUID as ``str(uuid.UUID(...))`` writes it (surely one; other spellings are validated).
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
MAX_EVENT_HOURS = 9999  # the contract's bound (a row may carry up to 9999.9)


def record_data(source: str, row: Mapping[str, Any], course: Mapping[str, Any]) -> dict[str, Any]:
    """A ``transfer.record.added/changed`` event's data: the attendance with its course."""
    return {
        "source": source, "record_key": f"{row['course_key']}/{row['account_id']}",
        "account_id": row["account_id"], "hours": float(row["hours"]),
        "starts_on": course["start_date"].isoformat(),
        "ends_on": course["end_date"].isoformat(), "title": course["title"],
        "organiser": course["organiser_unit_code"], "tags": list(course["tags"]),
        "version": row["version"]}


def _unknown(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# json.dumps(…, ensure_ascii=False, separators=(",", ":")), as the outbox writes data.
_ENCODE = c_make_encoder(None, _unknown, encode_basestring, None, ":", ",", False, False,
                         True) if c_make_encoder is not None else None


def _json(data: Mapping[str, Any]) -> str:
    if _ENCODE is None:  # a Python without the C accelerator
        import json
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return "".join(_ENCODE(data, 0))


class RecordEvents:
    """One source's record events for one batch: ``data`` the event's data (validated
    for the first of each type), ``json`` the same data as JSON, written directly."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._source = encode_basestring(source)
        # course key → the JSON before the account (up to the record key's slash) and
        # after the hours (the course's fields, then the version's name)
        self._courses: dict[str, tuple[str, str]] = {}
        self._hours: dict[Any, str] = {}  # hours → their JSON number

    @staticmethod
    def plain(row: Mapping[str, Any]) -> bool:
        """Whether the contract is sure to take the row's event."""
        return (row["hours"] <= MAX_EVENT_HOURS
                and _CANONICAL_UUID.fullmatch(row["account_id"]) is not None)

    def data(self, row: Mapping[str, Any], course: Mapping[str, Any]) -> dict[str, Any]:
        return record_data(self.source, row, course)

    def json(self, row: Mapping[str, Any], course: Mapping[str, Any]) -> str:
        """``record_data``'s JSON, equal to what the outbox's encoder writes (the unit
        tests hold the two equal), of a row ``plain`` vouches for: its account a
        canonical UUID, which JSON writes as it is. What a course's rows share is
        written once per course, each distinct hours once."""
        parts = self._courses.get(course["course_key"])
        if parts is None:
            fields = _json({
                "starts_on": course["start_date"].isoformat(),
                "ends_on": course["end_date"].isoformat(), "title": course["title"],
                "organiser": course["organiser_unit_code"], "tags": list(course["tags"])})
            key = encode_basestring(course["course_key"] + "/")[:-1]  # without its close
            parts = self._courses[course["course_key"]] = (
                f'{{"source":{self._source},"record_key":{key}', f',{fields[1:-1]},"version":')
        head, tail = parts
        hours = self._hours.get(row["hours"])
        if hours is None:
            hours = self._hours[row["hours"]] = repr(float(row["hours"]))
        account = row["account_id"]
        return f'{head}{account}","account_id":"{account}","hours":{hours}{tail}{row["version"]}}}'
