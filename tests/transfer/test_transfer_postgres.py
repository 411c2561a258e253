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
