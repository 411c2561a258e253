"""A record event's JSON written straight from the kept row and its course (R-CRS-11):
the same text as the outbox's encoder makes of its data, which the contract takes as it
is; an event the contract might refuse is left to the validating path."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from contracts.events import CATALOGUE
from contracts.events.transfer import RECORD_ADDED
from services.transfer.domain.records import check_attendance, check_course
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


def test_every_course_and_row_the_format_takes_makes_data_the_contract_takes() -> None:
    """Why a batch validates only its first event of each type: whatever the format takes
    of a course (a 60-character key, a 200-character title, tags of 64) and of a row
    (hours from 0 to 9999.9) the contract takes too, except what ``plain`` tests per
    event (hours over 9,999, an account id not written as a canonical UUID). A format
    that takes more, or a contract that takes less, fails here."""
    longest = check_course(1, {
        "source_course_key": "K" * 60, "title": "題" * 200, "organiser_unit_code": "A1b2C3",
        "county_code": "TPE", "start_date": "2013-04-01", "end_date": "2013-04-01",
        "hours": "9999.9", "class_type": "研", "category": "類", "tags": ["標" * 64, "x"],
        "lecturers": []}, freeze=date(2012, 12, 31))
    shortest = check_course(1, {
        "source_course_key": "K", "title": "題", "organiser_unit_code": "000000",
        "county_code": "TPE", "start_date": "2013-04-01", "end_date": "2013-04-01",
        "hours": "0", "class_type": "研", "category": "類", "tags": " ; x ;"},
        freeze=date(2012, 12, 31))
    events = RecordEvents("a" * 32)
    for course in (longest, shortest):
        assert not isinstance(course, list), course
        kept = {"course_key": course.key, "start_date": course.start_date,
                "end_date": course.end_date, "title": course.title,
                "organiser_unit_code": course.organiser_unit_code, "tags": list(course.tags)}
        for hours in ("0", "0.1", "9999.0"):
            row = check_attendance(1, {"source_course_key": course.key,
                                       "teacher_id": "A123456789", "teacher_name": "名",
                                       "school_code": "313502", "hours": hours,
                                       "completed_on": "2013-04-01"})
            assert not isinstance(row, list), row
            values = {"course_key": row.course_key, "account_id": ACCOUNT,
                      "hours": row.hours, "version": 2**31 - 1}
            assert RecordEvents.plain(values)
            data = json.loads(events.json(values, kept))
            CATALOGUE.validate_data(RECORD_ADDED, data)  # raises if the contract refuses
