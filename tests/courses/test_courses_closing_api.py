"""R-CRS-5, R-CRS-6, R-CRS-7, R-CRS-11 over HTTP on a real (SQLite) database: a course is
closed with its attendee list, amended once locked, counted in its unit's light, and its
hours reach the teachers' transcripts — and every refusal is problem+json with a stable
type, leaves nothing written, and keeps each caller to their own unit or authority."""
from __future__ import annotations

import re
from datetime import date

from closing_support import (
    LIST,
    TEACHERS,
    a_course,
    a_unit,
    close,
    course_row,
    events,
    problem_type,
)
from sqlalchemy import func, select

from contracts.events.courses import (
    AMENDMENT_REQUESTED,
    ATTENDANCE_SUBMITTED,
    HOURS_ISSUED,
    UNIT_LIGHT_CHANGED,
)
from services.courses.adapters.orm import attendees, course_audit, teacher_replica

NATIONAL_ID = re.compile(r"[A-Z][12][0-9]{8}")  # the form of a Taiwanese national ID


def test_a_course_closes_and_each_teacher_gets_the_hours(closing_api) -> None:
    a_unit(closing_api.runtime)
    course_id = a_course(closing_api.runtime)
    sent = closing_api.business("put", f"/{course_id}/attendance", json=LIST)
    assert sent.status_code == 200, sent.get_json()
    assert (sent.get_json()["status"], sent.get_json()["late"], sent.get_json()["due_on"]) == \
        ("attendance_submitted", False, "2026-06-12")
    returned = closing_api.reviewer("post", f"/{course_id}/attendance/review",
                            json={"decision": "return", "reasons": ["A"], "comment": "名單有誤"})
    assert returned.get_json()["status"] == "attendance_returned"
    closing_api.clock.advance(hours=1)
    close(closing_api, course_id)
    row = course_row(closing_api.runtime, course_id)
    assert (row["status"], row["closed_at"] is not None) == ("closed", True)
    issued = sorted((e["account_id"], e["hours"]) for e in events(closing_api.runtime, HOURS_ISSUED))
    assert issued == [(TEACHERS[0], 6.0), (TEACHERS[1], 3.5), (TEACHERS[5], 2.0)]
    shown = closing_api.business("get", f"/{course_id}/attendance").get_json()
    assert [r["decision"] for r in shown["reviews"]] == ["return", "approve"]
    assert shown["total_hours"] == 11.5
    mine = closing_api.teacher("get", "/transcripts/me", n=1).get_json()
    assert mine["entries"] == [{"hours": 3.5, "title": "研習課程 1", "source": "network",
                                "organiser": "臺北市立建國高級中學", "date": "2026-06-05",
                                "starts_on": "2026-06-05", "tags": []}]
    assert (mine["total_hours"], mine["by_year"]) == (3.5, [{"year": 2026, "hours": 3.5}])


def test_a_locked_course_refuses_every_change(closing_api) -> None:
    a_unit(closing_api.runtime)
    course_id = a_course(closing_api.runtime)
    close(closing_api, course_id)
    again = closing_api.business("put", f"/{course_id}/attendance", json=LIST)
    assert (again.status_code, problem_type(again)) == (409, "course-locked")
    review = closing_api.reviewer("post", f"/{course_id}/attendance/review", json={"decision": "approve"})
    assert (review.status_code, problem_type(review)) == (409, "course-locked")


def test_bad_lists_are_refused_and_nothing_is_written(closing_api) -> None:
    a_unit(closing_api.runtime)
    course_id = a_course(closing_api.runtime)
    cases = [
        ({"attendees": [{"account_id": TEACHERS[0], "hours": 6.5}]}, 422, "hours-above-course"),
        ({"attendees": [{"account_id": TEACHERS[6], "hours": 1}]}, 422, "not-enrolled"),
        ({"attendees": [{"account_id": TEACHERS[0], "hours": 1},
                        {"account_id": TEACHERS[0], "hours": 2}]}, 422, "duplicate-attendee"),
        ({"attendees": [{"account_id": TEACHERS[0], "hours": 2.25}]}, 422, "validation-failed"),
        ({"attendees": [{"account_id": "not-an-id", "hours": 2}]}, 422, "validation-failed"),
        ({"attendees": [{"account_id": TEACHERS[0], "hours": "NaN"}]}, 422, "validation-failed"),
        ({}, 422, "validation-failed"),
    ]
    for body, status, slug in cases:
        answer = closing_api.business("put", f"/{course_id}/attendance",
                              json={"attendees": [{"account_id": TEACHERS[1], "hours": 1}],
                                    **body} if body else {})
        assert (answer.status_code, problem_type(answer)) == (status, slug), body
    invalid = closing_api.business("put", f"/{course_id}/attendance",
                           json={"attendees": [{"account_id": TEACHERS[0], "hours": 2.25}]})
    assert "attendees" in invalid.get_json()["errors"]
    with closing_api.runtime.database.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(attendees)) == 0
    assert course_row(closing_api.runtime, course_id)["status"] == "approved"
    assert events(closing_api.runtime, ATTENDANCE_SUBMITTED) == []


def test_each_caller_stays_in_their_own_unit_or_authority(closing_api) -> None:
    a_unit(closing_api.runtime)
    course_id = a_course(closing_api.runtime)
    other_unit = closing_api.business("put", f"/{course_id}/attendance", unit="413601", json=LIST)
    assert (other_unit.status_code, problem_type(other_unit)) == (404, "course-not-found")
    no_unit = closing_api.call("put", f"/{course_id}/attendance", "business", json=LIST)
    assert no_unit.status_code == 404
    assert closing_api.business("put", f"/{course_id}/attendance", json=LIST).status_code == 200
    other_authority = closing_api.reviewer("post", f"/{course_id}/attendance/review", authority="TXG",
                                   json={"decision": "approve"})
    assert (other_authority.status_code, problem_type(other_authority)) == \
        (404, "course-not-found")
    assert closing_api.reviewer("get", f"/{course_id}/attendance", authority="TXG").status_code == 404
    assert closing_api.business("get", f"/{course_id}/attendance", unit="413601").status_code == 404
    assert course_row(closing_api.runtime, course_id)["status"] == "attendance_submitted"
    missing = closing_api.business("put", "/no-such-course/attendance", json=LIST)
    assert (missing.status_code, problem_type(missing)) == (404, "course-not-found")


def test_the_reviewer_reads_the_attendees_by_name_and_school_never_a_national_id(
        closing_api) -> None:
    """R-CRS-5 (issue 11): the reviewer of the course's authority and the network's staff
    check the list by the teachers' names and schools (the teachers' replica); a reviewer of
    another authority is refused as for a course that does not exist."""
    a_unit(closing_api.runtime)
    course_id = a_course(closing_api.runtime)
    assert closing_api.business("put", f"/{course_id}/attendance", json=LIST).status_code == 200
    with closing_api.runtime.database.session() as session:  # one not in the replica yet
        session.execute(teacher_replica.delete().where(
            teacher_replica.c.account_id == TEACHERS[1]))
    for answer in (closing_api.reviewer("get", f"/{course_id}/attendance"),
                   closing_api.call("get", f"/{course_id}/attendance", "operator")):
        assert answer.status_code == 200, answer.get_json()
        listed = {row["account_id"]: row for row in answer.get_json()["attendees"]}
        assert listed[TEACHERS[0]] == {"account_id": TEACHERS[0], "hours": 6.0,
                                       "walk_in": False, "teacher_name": "教師 0",
                                       "school_code": "353301"}
        assert (listed[TEACHERS[5]]["teacher_name"], listed[TEACHERS[5]]["walk_in"]) == \
            ("教師 5", True)
        assert (listed[TEACHERS[1]]["teacher_name"], listed[TEACHERS[1]]["school_code"]) == \
            (None, None)
        assert all(set(row) == {"account_id", "hours", "walk_in", "teacher_name",
                                "school_code"} for row in listed.values())
        assert not NATIONAL_ID.search(answer.get_data(as_text=True))
    other = closing_api.reviewer("get", f"/{course_id}/attendance", authority="TXG")
    assert (other.status_code, problem_type(other)) == (404, "course-not-found")
    assert "教師" not in other.get_data(as_text=True)


def test_return_reasons_come_from_the_operators_list(closing_api) -> None:
    """Tainan's request: the reasons are the vocabulary ``roster_return``, seeded at
    migrate and kept by operators like the other vocabularies."""
    a_unit(closing_api.runtime)
    course_id = a_course(closing_api.runtime)
    closing_api.business("put", f"/{course_id}/attendance", json=LIST)
    listed = closing_api.reviewer("get", "/vocabularies/roster_return").get_json()
    assert [r["code"] for r in listed] == ["A", "B", "C", "D", "E", "Z"]
    for reasons in (["Q"], ["J"]):  # not on the list; a course review's reason
        unknown = closing_api.reviewer("post", f"/{course_id}/attendance/review",
                                       json={"decision": "return", "reasons": reasons})
        assert (unknown.status_code, problem_type(unknown)) == (422, "unknown-reason")
    put = closing_api.call("put", "/vocabularies/roster_return/Q", "operator",
                           json={"label": "〔Q.其他〕時數計算有誤", "position": 7})
    assert put.status_code in (200, 201)
    taken = closing_api.reviewer("post", f"/{course_id}/attendance/review",
                                 json={"decision": "return", "reasons": ["Q"]})
    assert taken.get_json()["status"] == "attendance_returned"
    closing_api.business("put", f"/{course_id}/attendance", json=LIST)
    closing_api.call("put", "/vocabularies/roster_return/Q", "operator",
                     json={"label": "〔Q.其他〕時數計算有誤", "active": False})
    retired = closing_api.reviewer("post", f"/{course_id}/attendance/review",
                                   json={"decision": "return", "reasons": ["Q"]})
    assert (retired.status_code, problem_type(retired)) == (422, "unknown-reason")


def test_an_amendment_is_routed_approved_audited_and_reissues_hours(closing_api) -> None:
    a_unit(closing_api.runtime)
    course_id = a_course(closing_api.runtime)
    close(closing_api, course_id)
    issued = len(events(closing_api.runtime, HOURS_ISSUED))
    asked = closing_api.business("post", f"/{course_id}/amendments", json={
        "changes": {"title": "正確的課程名稱", "attendees": [{"account_id": TEACHERS[1],
                                                        "hours": 4}]},
        "reason": "名稱誤植，出席時數更正"})
    assert asked.status_code == 201, asked.get_json()
    amendment = asked.get_json()
    assert (amendment["approver_authority_code"], amendment["due_on"], amendment["status"]) == \
        ("TPE", "2026-07-05", "pending")
    assert events(closing_api.runtime, AMENDMENT_REQUESTED)[0]["fields_changed"] == ["attendees", "title"]
    outsider = closing_api.reviewer("post", f"/amendments/{amendment['amendment_id']}/decision",
                            authority="TXG", json={"decision": "approve", "reference": "x"})
    assert (outsider.status_code, problem_type(outsider)) == (404, "amendment-not-found")
    decided = closing_api.reviewer("post", f"/amendments/{amendment['amendment_id']}/decision",
                           json={"decision": "approve", "reference": "北市教研字第1150000001號"})
    assert decided.status_code == 200, decided.get_json()
    assert {a["field"] for a in decided.get_json()["audit"]} == \
        {"title", f"attendees.{TEACHERS[1]}.hours"}
    assert course_row(closing_api.runtime, course_id)["title"] == "正確的課程名稱"
    with closing_api.runtime.database.engine.connect() as connection:
        audit = connection.execute(select(course_audit.c.field, course_audit.c.old_value,
                                          course_audit.c.new_value, course_audit.c.changed_by,
                                          course_audit.c.reference)).all()
    assert sorted(tuple(row) for row in audit) == sorted([
        ("title", "研習課程 1", "正確的課程名稱", "reviewer-TPE", "北市教研字第1150000001號"),
        (f"attendees.{TEACHERS[1]}.hours", 3.5, 4.0, "reviewer-TPE", "北市教研字第1150000001號")])
    reissued = events(closing_api.runtime, HOURS_ISSUED)[issued:]
    assert sorted((e["account_id"], e["hours"], e["title"]) for e in reissued) == [
        (TEACHERS[0], 6.0, "正確的課程名稱"), (TEACHERS[1], 4.0, "正確的課程名稱"),
        (TEACHERS[5], 2.0, "正確的課程名稱")]
    assert closing_api.teacher("get", "/transcripts/me", n=1).get_json()["total_hours"] == 4.0
    report = closing_api.reviewer("get", "/amendments/batches/2026-06").get_json()
    assert (report["approver"], report["counts"]["approved"], report["due_on"]) == \
        ("TPE", 1, "2026-07-05")
    bad_month = closing_api.reviewer("get", "/amendments/batches/2026-13")
    assert (bad_month.status_code, problem_type(bad_month)) == (422, "validation-failed")


def test_a_refused_amendment_leaves_the_course_as_it_was(closing_api) -> None:
    a_unit(closing_api.runtime)
    course_id = a_course(closing_api.runtime)
    close(closing_api, course_id)
    above = closing_api.business("post", f"/{course_id}/amendments",
                         json={"changes": {"hours": 3}, "reason": "shorter"})
    assert (above.status_code, problem_type(above)) == (422, "hours-above-course")
    assert closing_api.business("post", f"/{course_id}/amendments", unit="413601",
                        json={"changes": {"hours": 6}, "reason": "x"}).status_code == 404
    open_course = a_course(closing_api.runtime, 2)
    not_closed = closing_api.business("post", f"/{open_course}/amendments",
                              json={"changes": {"title": "x"}, "reason": "x"})
    assert (not_closed.status_code, problem_type(not_closed)) == (409, "course-not-closed")
    assert events(closing_api.runtime, AMENDMENT_REQUESTED) == []


def test_the_light_over_http_and_by_the_recount_command(closing_api) -> None:
    from argparse import Namespace

    from services.courses.commands import recount_lights
    a_unit(closing_api.runtime)
    a_unit(closing_api.runtime, "413601", name="臺北市大安國小")
    for n in range(1, 3):
        a_course(closing_api.runtime, n, ends_on=date(2026, 5, n))
    a_course(closing_api.runtime, 9, ends_on=date(2026, 5, 1),
             class_type="degree_programme")
    light = closing_api.business("get", "/units/353301/light")
    assert light.status_code == 200
    body = light.get_json()
    assert (body["light"], body["overdue_count"], [c["code"] for c in body["overdue"]]) == \
        ("yellow", 2, ["C000001", "C000002"])
    assert closing_api.business("get", "/units/353301/light", unit="413601").status_code == 404
    assert closing_api.reviewer("get", "/units/353301/light", authority="TXG").status_code == 404
    assert closing_api.reviewer("get", "/units/353301/light").status_code == 200
    assert closing_api.business("get", "/units/NOPE/light", unit="NOPE").status_code == 404
    summary = recount_lights(closing_api.runtime, Namespace())
    assert summary["lights_changed"] == 1
    assert [(e["unit_code"], e["light"]) for e in events(closing_api.runtime, UNIT_LIGHT_CHANGED)] == \
        [("353301", "yellow")]


def test_the_transcript_as_csv_and_as_a_printable_page(closing_api) -> None:
    a_unit(closing_api.runtime)
    close(closing_api, a_course(closing_api.runtime))
    csv = closing_api.teacher("get", "/transcripts/me?format=csv")
    assert (csv.status_code, csv.mimetype) == (200, "text/csv")
    assert csv.get_data(as_text=True).splitlines()[1].startswith("2026-06-05,2026-06-05,研習課程 1,6.0")
    page = closing_api.teacher("get", "/transcripts/me?format=html")
    assert (page.status_code, page.mimetype) == (200, "text/html")
    text = page.get_data(as_text=True)
    assert "@media print" in text and "研習課程 1" in text and "6.0" in text
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    bad = closing_api.teacher("get", "/transcripts/me?format=pdf")
    assert (bad.status_code, problem_type(bad)) == (422, "validation-failed")
    assert closing_api.business("get", "/transcripts/me").status_code == 403


def test_a_unit_reads_its_own_amendment_requests_and_their_decisions(closing_api) -> None:
    """R-CRS-6: the unit follows its requests (state, reason, the approver's comment and
    reference, dates); its authority's reviewers and the network read them too; another
    unit or authority finds no such unit."""
    a_unit(closing_api.runtime)
    a_unit(closing_api.runtime, "413601", authority="TXG", county="TXG", name="臺中一中")
    first, second = a_course(closing_api.runtime), a_course(closing_api.runtime, 2)
    close(closing_api, first)
    close(closing_api, second)
    asked = []
    for n, course in enumerate((first, second, first)):
        closing_api.clock.advance(minutes=1)
        asked.append(closing_api.business("post", f"/{course}/amendments", json={
            "changes": {"place": f"視聽教室 {n}"}, "reason": f"地點誤植 {n}"}).get_json())
    closing_api.reviewer("post", f"/amendments/{asked[0]['amendment_id']}/decision",
                         json={"decision": "reject", "comment": "地點無誤"})
    closing_api.reviewer("post", f"/amendments/{asked[1]['amendment_id']}/decision",
                         json={"decision": "approve", "reference": "北市教研字第1號"})

    own = closing_api.business("get", "/units/353301/amendments")
    assert own.status_code == 200, own.get_json()
    listed = own.get_json()
    assert (listed["unit_code"], listed["total"], listed["page"], listed["per_page"]) == \
        ("353301", 3, 1, 20)
    assert [item["amendment_id"] for item in listed["items"]] == \
        [item["amendment_id"] for item in reversed(asked)]  # newest first
    by_id = {item["amendment_id"]: item for item in listed["items"]}
    refused = by_id[asked[0]["amendment_id"]]
    assert (refused["status"], refused["reason"], refused["comment"], refused["course_code"],
            refused["course_title"], refused["changes"]) == \
        ("rejected", "地點誤植 0", "地點無誤", "C000001", "研習課程 1", {"place": "視聽教室 0"})
    assert refused["decided_at"] and refused["requested_at"] and "audit" not in refused
    approved = by_id[asked[1]["amendment_id"]]
    assert (approved["status"], approved["reference"], approved["course_title"]) == \
        ("approved", "北市教研字第1號", "研習課程 2")
    assert by_id[asked[2]["amendment_id"]]["status"] == "pending"

    pending = closing_api.business("get", "/units/353301/amendments?status=pending").get_json()
    assert [item["amendment_id"] for item in pending["items"]] == [asked[2]["amendment_id"]]
    of_first = closing_api.business("get", f"/units/353301/amendments?course_id={first}")
    assert {item["amendment_id"] for item in of_first.get_json()["items"]} == \
        {asked[0]["amendment_id"], asked[2]["amendment_id"]}
    paged = closing_api.business("get", "/units/353301/amendments?per_page=2&page=2").get_json()
    assert (len(paged["items"]), paged["total"]) == (1, 3)
    for reader in (closing_api.reviewer("get", "/units/353301/amendments"),
                   closing_api.call("get", "/units/353301/amendments", "operator")):
        assert reader.status_code == 200 and reader.get_json()["total"] == 3

    for outsider in (closing_api.business("get", "/units/353301/amendments", unit="413601"),
                     closing_api.reviewer("get", "/units/353301/amendments", authority="TXG"),
                     closing_api.call("get", "/units/999999/amendments", "operator")):
        assert (outsider.status_code, problem_type(outsider)) == (404, "unit-not-found")
    for bad, field in (("status=refused", "status"), ("course_id=x", "course_id"),
                       ("per_page=101", "per_page")):
        answer = closing_api.business("get", f"/units/353301/amendments?{bad}")
        assert (answer.status_code, problem_type(answer)) == (422, "validation-failed")
        assert field in answer.get_json()["errors"]
    teacher = closing_api.teacher("get", "/units/353301/amendments")
    assert (teacher.status_code, problem_type(teacher)) == (403, "forbidden")
