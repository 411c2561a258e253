"""Closing on PostgreSQL (production's database): the list, its approval with the hours and
the transcript, an amendment with its audit, the light's recount, and transfer records
folded in by the consumer's handler — the repositories' SQL (row locks, upserts, JSON) on
the real server."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from closing_support import TEACHERS, a_course, a_unit, events, known_teachers
from sqlalchemy import update

from contracts.events.courses import HOURS_ISSUED, UNIT_LIGHT_CHANGED
from servicekit.events import Envelope
from servicekit.tokens import Principal
from services.courses.adapters.orm import courses
from services.courses.domain.closing import Attendee
from services.courses.handlers import amendments, attendance, lights, transcripts

pytestmark = pytest.mark.postgres
BUSINESS = Principal("business-353301", frozenset({"business"}), unit="353301")
REVIEWER = Principal("reviewer-TPE", frozenset({"reviewer"}), authority="TPE")


def test_closing_amending_counting_and_transcripts_on_postgresql(pg_courses) -> None:
    runtime = pg_courses
    parts = runtime.components
    a_unit(runtime)
    known_teachers(runtime)
    course_id = a_course(runtime, ends_on=date(2026, 2, 20))
    overdue = a_course(runtime, 2, ends_on=date(2026, 2, 1))
    attendance.submit(parts.uow(), runtime.clock, parts.closing, BUSINESS, course_id,
                      [Attendee(TEACHERS[0], Decimal("6")),
                       Attendee(TEACHERS[5], Decimal("2.5"), walk_in=True)])
    attendance.review(parts.uow(), runtime.clock, parts.closing, REVIEWER, course_id,
                      "approve", [], None)
    assert {e["account_id"]: e["hours"] for e in events(runtime, HOURS_ISSUED)} == \
        {TEACHERS[0]: 6.0, TEACHERS[5]: 2.5}
    asked = amendments.request(parts.uow(), runtime.clock, BUSINESS, course_id,
                               {"attendees": [{"account_id": TEACHERS[5],
                                               "hours": Decimal("3")}]}, "sign-in sheet")
    decided = amendments.decide(parts.uow(), runtime.clock, REVIEWER, asked.amendment_id,
                                "approve", "ref-1", None)
    assert [a["field"] for a in decided.audit] == [f"attendees.{TEACHERS[5]}.hours"]
    stored = amendments.batch(parts.uow(), runtime.clock, REVIEWER, asked.batch_month, None)
    assert stored["requests"][0].audit == [] and stored["counts"]["approved"] == 1
    # The unit's own list: joined with its course, counted and paged on the server.
    mine = amendments.of_unit(parts.uow(), BUSINESS, "353301", "approved", course_id, 1, 20)
    assert (mine["total"], mine["items"][0]["course_title"], mine["items"][0]["reference"],
            mine["items"][0]["changes"]["attendees"][0]["hours"]) == (1, "研習課程 1", "ref-1", 3.0)
    assert amendments.of_unit(parts.uow(), REVIEWER, "353301", "pending", None, 1, 20)[
        "items"] == []
    # The approval counted the unit's light (the other course is overdue); the recount
    # finds nothing new until that course closes.
    assert [e["light"] for e in events(runtime, UNIT_LIGHT_CHANGED)] == ["yellow"]
    assert lights.recount_all(parts.uow(), runtime.clock, parts.closing)["lights_changed"] == 0
    with runtime.database.session() as session:
        session.execute(update(courses).where(courses.c.course_id == overdue)
                        .values(status="closed"))
    assert lights.recount_all(parts.uow(), runtime.clock, parts.closing)["lights_changed"] == 1
    assert [e["light"] for e in events(runtime, UNIT_LIGHT_CHANGED)] == ["yellow", "green"]
    record = {"source": "NWT", "record_key": "r-1", "account_id": TEACHERS[5], "hours": 4.0,
              "starts_on": date(2026, 1, 5), "ends_on": date(2026, 1, 5), "title": "縣市研習",
              "organiser": "新北市", "tags": ["safety"], "version": 1}
    with runtime.database.session() as session:
        transcripts.apply_transfer_records(session, [(record, Envelope(
            type="transfer.record.added.v1", source="transfer", correlation_id="t",
            data={}))])
    mine = transcripts.mine(parts.uow(), Principal(TEACHERS[5], frozenset({"teacher"})),
                            None, None)
    assert mine["total_hours"] == Decimal("7.0")
    assert sorted(e.source for e in mine["entries"]) == ["NWT", "network"]
