"""A record event's JSON written straight from the kept row and its course (R-CRS-11):
the same text as the outbox's encoder makes of its data, which the contract takes as it
is; an event the contract might refuse is left to the validating path."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from contracts.events import CATALOGUE
from contracts.events.transfer import RECORD_ADDED
from services.transfer.handlers.record_events import RecordEvents, record_data

ACCOUNT = "0b1e5a1c-7d3f-4a2b-9c8d-0123456789ab"
COURSE = {"course_key": "C-1", "start_date": date(2013, 4, 1), "end_date": date(2013, 4, 2),
          "title": "數位教學", "organiser_unit_code": "023301", "tags": ["數位", "教學"]}


def outbox_json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def test_the_json_written_is_the_outbox_encoders_of_the_data() -> None:
    events = RecordEvents("ila-edu")
    titles = ("數位教學", 'a "quoted" \\ title', "tab\tand\nnewline", "\u2028é😀", "x")
    for number, (title, hours, tags) in enumerate(zip(
            titles, ("3.0", "0.5", "12.5", "9999.0", "0.0"),
            (["數位"], [], ["a", 'b"c'], ["教學"], ["t"]), strict=True)):
        course = {**COURSE, "course_key": f'C-"{number}\\', "title": title, "tags": tags}
        row = {"course_key": course["course_key"], "account_id": ACCOUNT,
               "hours": Decimal(hours), "version": number + 1}
        data = events.data(row, course)
        assert data == record_data("ila-edu", row, course)
        assert events.json(row, course) == outbox_json(data)
        # … and the contract takes it as it stands (nothing rewritten).
        assert json.loads(outbox_json(CATALOGUE.validate_data(RECORD_ADDED, data)),
                          ) == json.loads(events.json(row, course))


def test_only_events_the_contract_takes_as_written_are_plain() -> None:
    row = {"course_key": "C-1", "account_id": ACCOUNT, "hours": Decimal("3.0"), "version": 1}
    assert RecordEvents.plain(row)
    assert not RecordEvents.plain({**row, "hours": Decimal("9999.5")})  # over the contract's
    assert not RecordEvents.plain({**row, "account_id": ACCOUNT.upper()})  # validated
    assert not RecordEvents.plain({**row, "account_id": "not-a-uuid"})
