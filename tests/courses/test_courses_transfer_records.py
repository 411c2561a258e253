"""R-CRS-11 across services: transfer records published by the transfer service (schema in
contracts/events/transfer.py) reach each teacher's transcript through the courses
consumer; a change replaces a record, a withdrawal removes it, an older version arriving
late changes nothing, and the same event twice counts once."""
from __future__ import annotations

import uuid
from typing import Any

from closing_support import TEACHERS, a_course, a_unit, close

from contracts.events.transfer import RECORD_ADDED, RECORD_CHANGED, RECORD_WITHDRAWN
from servicekit.service import Runtime
from servicekit.testing.runtimes import relay_all
from services.transfer.bootstrap import DEFINITION as TRANSFER


def record(key: str, version: int = 1, **changes: Any) -> dict[str, Any]:
    return {"source": "NWT", "record_key": key, "account_id": TEACHERS[0], "hours": 3.0,
            "starts_on": "2026-03-01", "ends_on": "2026-03-02", "title": "新北市教師研習",
            "organiser": "新北市教育研究發展中心", "tags": ["環境教育"], "version": version,
            **changes}


def publish(transfer: Runtime, courses: Runtime, *events: tuple[str, dict[str, Any]]) -> None:
    with transfer.database.session() as session:
        for event_type, data in events:
            transfer.outbox.record(session, event_type, data)
    relay_all(transfer)
    [subscription] = courses.subscriptions()
    reader = courses.open_reader(subscription)
    try:
        while batch := reader.next_batch(200, 0.3):
            outcome = courses.consumer(subscription).process(reader, batch)
            assert outcome.dead_lettered == 0, outcome
    finally:
        reader.close()


def test_transfer_records_join_the_network_hours_in_the_transcript(closing_api, embedded) -> None:
    transfer = embedded(TRANSFER)
    a_unit(closing_api.runtime)
    close(closing_api, a_course(closing_api.runtime))
    publish(transfer, closing_api.runtime, (RECORD_ADDED, record("r-1")), (RECORD_ADDED, record("r-2")),
            (RECORD_ADDED, record("r-3", account_id=str(uuid.UUID(int=99)))))
    mine = closing_api.teacher("get", "/transcripts/me").get_json()
    assert sorted((e["source"], e["hours"], e["tags"]) for e in mine["entries"]) == [
        ("NWT", 3.0, ["環境教育"]), ("NWT", 3.0, ["環境教育"]), ("network", 6.0, [])]
    assert mine["total_hours"] == 12.0
    assert mine["by_tag"] == [{"tag": "環境教育", "hours": 6.0}]
    publish(transfer, closing_api.runtime, (RECORD_CHANGED, record("r-1", 2, hours=4.5)),
            (RECORD_WITHDRAWN, {"source": "NWT", "record_key": "r-2",
                                "account_id": TEACHERS[0], "version": 2}))
    publish(transfer, closing_api.runtime, (RECORD_CHANGED, record("r-2", 1, hours=9.0)))  # late, older
    mine = closing_api.teacher("get", "/transcripts/me").get_json()
    assert sorted((e["source"], e["hours"]) for e in mine["entries"]) == \
        [("NWT", 4.5), ("network", 6.0)]
    assert closing_api.teacher("get", "/transcripts/me?year=2026&tag=環境教育").get_json()[
        "total_hours"] == 4.5
