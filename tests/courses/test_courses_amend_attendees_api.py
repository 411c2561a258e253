"""R-CRS-5 item 5 and R-CRS-6 item 6 over HTTP on a real (SQLite) database: a walk-in is an
enabled teacher of the replica, and an amendment after closing adds, removes and re-hours
attendees — the hours issued again or withdrawn, the transcripts following, every change
audited, and a refused request writing nothing."""
from __future__ import annotations

from closing_support import (
    LIST,
    TEACHERS,
    a_course,
    a_unit,
    close,
    course_row,
    events,
    known_teachers,
    problem_type,
)
from sqlalchemy import func, select

from contracts.events.courses import (
    AMENDMENT_REQUESTED,
    ATTENDANCE_SUBMITTED,
    HOURS_ISSUED,
    HOURS_WITHDRAWN,
)
from services.courses.adapters.orm import amendments, attendees, course_audit

STRANGER = "00000000-0000-0000-0000-000000000099"


def _count(api, table) -> int:
    with api.runtime.database.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(table))


def test_a_walk_in_who_is_no_enabled_teacher_is_refused_by_row(closing_api) -> None:
    a_unit(closing_api.runtime)
    course_id = a_course(closing_api.runtime)
    known_teachers(closing_api.runtime, "disabled", [TEACHERS[4]])
    body = {"attendees": [*LIST["attendees"],
                          {"account_id": TEACHERS[4], "hours": 1, "walk_in": True},
                          {"account_id": STRANGER, "hours": 1, "walk_in": True}]}
    refused = closing_api.business("put", f"/{course_id}/attendance", json=body)
    assert (refused.status_code, problem_type(refused)) == (422, "walk-in-not-a-teacher")
    assert refused.get_json()["rows"] == [
        {"row": 3, "account_id": TEACHERS[4], "teacher_status": "disabled"},
        {"row": 4, "account_id": STRANGER, "teacher_status": "unknown"}]
    assert _count(closing_api, attendees) == 0
    assert events(closing_api.runtime, ATTENDANCE_SUBMITTED) == []
    assert course_row(closing_api.runtime, course_id)["status"] == "approved"


def test_an_amendment_adds_and_removes_attendees(closing_api) -> None:
    a_unit(closing_api.runtime)
    course_id = a_course(closing_api.runtime)
    close(closing_api, course_id)  # teachers 0 (6), 1 (3.5) and walk-in 5 (2)
    issued = len(events(closing_api.runtime, HOURS_ISSUED))
    asked = closing_api.business("post", f"/{course_id}/amendments", json={
        "changes": {"attendees": [{"account_id": TEACHERS[2], "hours": 4},
                                  {"account_id": TEACHERS[3], "hours": 1.5, "walk_in": True},
                                  {"account_id": TEACHERS[0], "hours": 5.5}],
                    "remove_attendees": [TEACHERS[5]]},
        "reason": "名單更正：漏列二人、誤列一人"})
    assert asked.status_code == 201, asked.get_json()
    amendment = asked.get_json()
    assert amendment["previous"] == {
        "attendees": [{"account_id": TEACHERS[2], "hours": None},
                      {"account_id": TEACHERS[3], "hours": None},
                      {"account_id": TEACHERS[0], "hours": 6.0}],
        "remove_attendees": [{"account_id": TEACHERS[5], "hours": 2.0}]}
    assert events(closing_api.runtime, AMENDMENT_REQUESTED)[0]["fields_changed"] == \
        ["attendees", "remove_attendees"]
    decided = closing_api.reviewer("post", f"/amendments/{amendment['amendment_id']}/decision",
                                   json={"decision": "approve", "reference": "北市教研字第2號"})
    assert decided.status_code == 200, decided.get_json()
    listed = closing_api.business("get", f"/{course_id}/attendance").get_json()["attendees"]
    assert sorted((a["account_id"], a["hours"], a["walk_in"]) for a in listed) == sorted([
        (TEACHERS[0], 5.5, False), (TEACHERS[1], 3.5, False), (TEACHERS[2], 4.0, False),
        (TEACHERS[3], 1.5, True)])
    reissued = events(closing_api.runtime, HOURS_ISSUED)[issued:]
    assert sorted((e["account_id"], e["hours"]) for e in reissued) == sorted([
        (TEACHERS[0], 5.5), (TEACHERS[2], 4.0), (TEACHERS[3], 1.5)])
    [withdrawn] = events(closing_api.runtime, HOURS_WITHDRAWN)
    assert (withdrawn["account_id"], withdrawn["reference"]) == (TEACHERS[5], "北市教研字第2號")
    assert closing_api.teacher("get", "/transcripts/me", n=5).get_json()["entries"] == []
    assert closing_api.teacher("get", "/transcripts/me", n=3).get_json()["total_hours"] == 1.5
    with closing_api.runtime.database.engine.connect() as connection:
        audit = connection.execute(select(course_audit.c.field, course_audit.c.old_value,
                                          course_audit.c.new_value)).all()
    assert sorted(tuple(row) for row in audit) == sorted([
        (f"attendees.{TEACHERS[2]}.hours", None, 4.0),
        (f"attendees.{TEACHERS[3]}.hours", None, 1.5),
        (f"attendees.{TEACHERS[0]}.hours", 6.0, 5.5),
        (f"attendees.{TEACHERS[5]}.hours", 2.0, None)])


def test_a_bad_attendee_change_is_refused_and_nothing_is_written(closing_api) -> None:
    a_unit(closing_api.runtime)
    course_id = a_course(closing_api.runtime)
    close(closing_api, course_id)
    cases = [
        ({"attendees": [{"account_id": TEACHERS[6], "hours": 1}]}, "not-enrolled"),
        ({"attendees": [{"account_id": STRANGER, "hours": 1, "walk_in": True}]},
         "walk-in-not-a-teacher"),
        ({"attendees": [{"account_id": TEACHERS[2], "hours": 7}]}, "hours-above-course"),
        ({"attendees": [{"account_id": TEACHERS[2], "hours": 1}],
          "remove_attendees": [TEACHERS[2]]}, "duplicate-attendee"),
        ({"remove_attendees": [TEACHERS[2]]}, "not-an-attendee"),
        ({"attendees": [{"account_id": TEACHERS[2], "hours": 1.25}]}, "validation-failed"),
        ({"remove_attendees": ["not-an-id"]}, "validation-failed"),
    ]
    for changes, slug in cases:
        answer = closing_api.business("post", f"/{course_id}/amendments",
                                      json={"changes": changes, "reason": "x"})
        assert (answer.status_code, problem_type(answer)) == (422, slug), changes
    assert _count(closing_api, amendments) == 0
    assert events(closing_api.runtime, AMENDMENT_REQUESTED) == []


def test_legal_entities_amendments_go_to_the_operators(closing_api) -> None:
    """After migration the seeded route of legal entities is the network: the ministry's
    review group is no authority the accounts service keeps, so nobody could act on it."""
    routes = closing_api.call("get", "/amendment-routes", "operator").get_json()
    assert {r["category"]: r["approver"] for r in routes} == {
        "national": "network", "county": "county", "legal_entity": "network"}
    a_unit(closing_api.runtime, unit_type="legal_entity", authority="NETWORK", county=None)
    course_id = a_course(closing_api.runtime)
    close(closing_api, course_id)
    asked = closing_api.business("post", f"/{course_id}/amendments",
                                 json={"changes": {"place": "視聽教室"}, "reason": "搬教室"})
    assert asked.get_json()["approver_authority_code"] == "NETWORK"
    decided = closing_api.call("post", f"/amendments/{asked.get_json()['amendment_id']}/decision",
                               "operator", json={"decision": "approve", "reference": "R-1"})
    assert decided.status_code == 200, decided.get_json()
    refused = closing_api.call("put", "/amendment-routes/legal_entity", "operator",
                               json={"approver": "MOE-LEGAL"})
    assert (refused.status_code, problem_type(refused)) == (422, "validation-failed")
    assert "approver" in refused.get_json()["errors"]
