"""The closing part of ``make up``'s demo data (issue 10 point 9): closed courses with
hours issued to demo teachers — once the teachers replica knows them — and a demo unit
whose light is yellow. Seeding again makes nothing new."""
from __future__ import annotations

import uuid

from closing_support import a_unit, events
from courses_helpers import NOW
from sqlalchemy import insert

from contracts.events.courses import HOURS_ISSUED
from services.courses.adapters.orm import teacher_replica
from services.courses.seed_closing import seed_demo

TEACHERS = [str(uuid.UUID(int=500 + n)) for n in range(6)]


def school_teachers(api) -> None:
    with api.runtime.database.session() as session:
        session.execute(insert(teacher_replica), [
            {"account_id": account, "name": f"老師{n}", "email": None, "unit_code": "353301",
             "status": "enabled", "version": 1, "updated_at": NOW}
            for n, account in enumerate(TEACHERS)])


def test_closed_courses_with_hours_and_a_yellow_unit(api) -> None:
    a_unit(api.runtime, "213502", unit_type="elementary_school", authority="TNN", county="TNN",
           name="臺南市立示範國小")
    school_teachers(api)
    thread = seed_demo(api.runtime)
    assert thread is not None
    thread.join(30)
    issued = events(api.runtime, HOURS_ISSUED)
    assert len(issued) == 10 and {e["account_id"] for e in issued} == set(TEACHERS[:5])
    mine = api.call("get", "/transcripts/me", "teacher", subject=TEACHERS[1]).get_json()
    assert [e["source"] for e in mine["entries"]] == ["network", "network"]
    assert mine["total_hours"] > 0
    light = api.call("get", "/units/213502/light", "operator").get_json()
    assert (light["light"], light["overdue_count"]) == ("yellow", 2)
    assert api.call("get", "/units/353301/light", "operator").get_json()["light"] == "green"
    assert seed_demo(api.runtime) is None
    assert len(events(api.runtime, HOURS_ISSUED)) == 10
