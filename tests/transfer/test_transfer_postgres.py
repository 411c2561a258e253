"""The push and a file on real PostgreSQL (the production database): keys read in
chunks by (course key, account) pairs, executemany writes, numeric hours, JSON lists."""
from __future__ import annotations

import pytest
from transfer_helpers import TEACHERS, open_source, outbox_events

from contracts.events.transfer import RECORD_ADDED, RECORD_CHANGED, RECORD_WITHDRAWN

pytestmark = pytest.mark.postgres

IDS = list(TEACHERS)
COURSE = {"source_course_key": "PG-1", "title": "課程", "organiser_unit_code": "313301",
          "county_code": "TPE", "start_date": "2013-03-01", "end_date": "2013-03-01",
          "hours": "1.5", "class_type": "研習", "category": "語文", "tags": ["a", "b"]}


def attendee(n: int, hours: str = "1.5") -> dict:
    return {"source_course_key": "PG-1", "teacher_id": IDS[n], "teacher_name": "教師",
            "school_code": "313502", "hours": hours, "completed_on": "2013-03-01"}


def test_a_batch_is_idempotent_on_postgresql(pg_api) -> None:
    open_source(pg_api)
    batch = {"courses": [COURSE], "attendance": [attendee(n) for n in range(40)]}
    assert pg_api.push("tpe-edu", batch).json["counts"]["attendance"]["added"] == 40
    again = pg_api.push("tpe-edu", batch).json["counts"]
    assert again["attendance"]["unchanged"] == 40 and again["courses"]["unchanged"] == 1
    by_month = pg_api.call("get", "/sources/tpe-edu/counts").json
    assert by_month == [{"month": "2013-03", "courses": 1, "attendance": 40}]
    batch["attendance"][3] = attendee(3, hours="2")
    assert pg_api.push("tpe-edu", batch).json["counts"]["attendance"]["changed"] == 1
    assert outbox_events(pg_api.runtime, RECORD_CHANGED)[0]["hours"] == 2.0
    gone = pg_api.push("tpe-edu", {"withdrawals": [{"source_course_key": "PG-1",
                                                     "reason": "取消"}]}).json["counts"]
    assert gone["attendance"]["withdrawn"] == 40
    assert len(outbox_events(pg_api.runtime, RECORD_WITHDRAWN)) == 40
    assert len(outbox_events(pg_api.runtime, RECORD_ADDED)) == 40
    assert pg_api.call("get", "/sources/tpe-edu").json["counts"] == {"courses": 0,
                                                                     "attendance": 0}


def test_new_attendance_is_copied_and_its_events_written_in_bulk(pg_api, monkeypatch) -> None:
    """R-TRF-2, R-CRS-11: on PostgreSQL new attendance goes in by COPY and its events by
    the bulk outbox, only the first of each type validated there: every row is kept as
    given, and every event, validated or not, is what the contract takes."""
    import json

    from sqlalchemy import select

    from contracts.events import CATALOGUE
    from servicekit.bus.tables import outbox
    from servicekit.events import Envelope
    from services.transfer.adapters import unit_of_work
    from services.transfer.adapters.tables import attendance
    monkeypatch.setattr(unit_of_work, "CHECKED_EVENTS", 2)
    open_source(pg_api)
    rows = [attendee(n, hours=("0.5", "3", "12.5")[n % 3]) for n in range(30)]
    rows[4] = {**rows[4], "teacher_name": 'tab\there "quoted" \\ 名'}
    answer = pg_api.push("tpe-edu", {"courses": [COURSE], "attendance": rows}).json
    assert answer["counts"]["attendance"]["added"] == 30 and not answer["errors"]
    with pg_api.runtime.database.engine.connect() as connection:
        kept = connection.execute(select(attendance)).mappings().all()
        bodies = connection.scalars(select(outbox.c.body).where(
            outbox.c.event_type == RECORD_ADDED).order_by(outbox.c.position)).all()
    assert sorted(str(row["hours"]) for row in kept) == sorted(r["hours"] if "." in r["hours"]
                                                              else r["hours"] + ".0"
                                                              for r in rows)
    assert {row["teacher_name"] for row in kept} >= {'tab\there "quoted" \\ 名'}
    assert all(row["version"] == 1 and row["withdrawn_reason"] is None for row in kept)
    assert len(bodies) == 30
    for body in bodies:
        event = Envelope.from_json(body)
        assert event.source == "transfer" and event.type == RECORD_ADDED
        data = json.loads(body)["data"]
        validated = CATALOGUE.validate_data(RECORD_ADDED, data)
        assert {**validated, "account_id": str(validated["account_id"]),
                "starts_on": str(validated["starts_on"]),
                "ends_on": str(validated["ends_on"])} == data
    again = pg_api.push("tpe-edu", {"courses": [COURSE], "attendance": rows}).json
    assert again["counts"]["attendance"]["unchanged"] == 30  # the digests kept compare equal
    one = pg_api.push("tpe-edu", {"withdrawals": [{"source_course_key": "PG-1",
                                                    "teacher_id": IDS[4], "reason": "誤報"}]})
    assert one.json["counts"]["attendance"]["withdrawn"] == 1  # looked up without its year
    moved = pg_api.push("tpe-edu", {"attendance": [attendee(5, hours="4")]}).json["counts"]
    assert moved["attendance"]["changed"] == 1  # looked up in its course's year
