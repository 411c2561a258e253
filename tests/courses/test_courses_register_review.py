"""Registering, editing, submitting and reviewing a course through the HTTP API (R-CRS-1,
R-CRS-2, R-CRS-3, R-CRS-10), with the scope of each role: a business account acts for its
own unit only, a reviewer for its own authority only, and a course not approved does not
exist for anyone else (404)."""
from __future__ import annotations

import json
import re
from datetime import timedelta

from courses_helpers import course_body
from sqlalchemy import select

from servicekit.bus.tables import outbox

PROBLEM = "urn:inservice:problem:"
J = "〔J.研習附件〕請上傳核定公文"


def events(api, event_type: str) -> list[dict]:
    with api.runtime.database.engine.connect() as connection:
        return [json.loads(body)["data"] for body in connection.scalars(
            select(outbox.c.body).where(outbox.c.event_type == event_type)
            .order_by(outbox.c.position))]


def register(api, unit: str = "353301", **changes) -> dict:
    answer = api.business("post", "/", unit=unit, json=course_body(**changes))
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def submitted(api, **changes) -> dict:
    course = register(api, **changes)
    answer = api.business("post", f"/{course['id']}/submission")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_a_business_account_registers_a_draft_of_its_unit_with_a_generated_code(api) -> None:
    answer = api.business("post", "/", json=course_body())
    assert answer.status_code == 201
    course = answer.get_json()
    assert course["status"] == "draft"
    assert re.fullmatch(r"2026-\d{6}", course["code"])
    assert (course["unit_code"], course["starts_on"], course["ends_on"]) == \
        ("353301", "2026-03-20", "2026-03-27")
    assert course["hours"] == 6.5 and course["enrolled"] == 0 and course["waitlisted"] == 0
    assert course["meetings"][1] == {"date": "2026-03-27", "starts_at": "09:00:00",
                                     "ends_at": "12:30:00"}
    assert course["tags"] == ["gender_equity"]
    again = api.business("get", f"/{course['id']}").get_json()
    assert again["code"] == course["code"] and again["lecturers"] == ["王大明", "林小華"]
    [event] = events(api, "courses.course.registered.v1")
    assert (event["course_id"], event["code"], event["unit_code"]) == \
        (course["id"], course["code"], "353301")


def test_codes_are_unique_and_run_in_order_within_the_year(api) -> None:
    codes = [register(api)["code"] for _ in range(3)]
    assert codes == ["2026-000001", "2026-000002", "2026-000003"]


def test_each_bad_field_is_named_in_a_problem(api) -> None:
    def refused(**changes) -> dict:
        answer = api.business("post", "/", json=course_body(**changes))
        assert answer.status_code == 422, answer.get_json()
        assert answer.mimetype == "application/problem+json"
        assert answer.get_json()["type"] == PROBLEM + "validation-failed"
        return answer.get_json()["errors"]

    assert "title" in refused(title="")
    assert "subcategory" in refused(subcategory="academic_affairs")  # not under "teaching"
    assert "subject" in refused(subcategory="mathematics")  # chinese is not a maths subject
    assert "subject" in refused(subject="english_literature")
    assert "category" in refused(category="cooking")
    assert "audiences" in refused(audiences=["retirees"])
    assert "class_type" in refused(class_type="evening_school")
    assert "tags" in refused(tags=["not_a_tag"])
    assert "county_code" in refused(county_code="XXX")
    assert "hours" in refused(hours=6.55)  # one decimal
    assert "hours" in refused(hours=7)  # the meetings last 6.5 hours
    assert "hours" in refused(hours=0)
    assert "capacity" in refused(capacity=0)
    assert "meetings" in refused(meetings=[])
    assert "meetings" in refused(meetings=[{"date": "2026-03-20", "starts_at": "12:00",
                                            "ends_at": "09:00"}], hours=1)
    assert "enrolment_closes_at" in refused(enrolment_closes_at="2026-03-20T10:00:00+08:00")
    assert "enrolment_closes_at" in refused(enrolment_closes_at="2026-03-05T10:00:00+08:00")
    assert "lecturers" in refused(lecturers=[])
    assert "fairness" in refused(fairness="fastest")
    assert "series_id" in refused(series_id="5a1f3c1e-0000-4000-8000-000000000000")
    assert "unit_code" in refused(unit_code="193601")  # never chosen by the caller
    body = course_body()
    del body["place"]
    answer = api.business("post", "/", json=body)
    assert "place" in answer.get_json()["errors"]
    assert api.call("get", "/").get_json()["total"] == 0  # nothing half-written


def test_only_a_business_account_with_a_unit_registers(api) -> None:
    answer = api.call("post", "/", "business", json=course_body())  # no unit claim
    assert answer.status_code == 403
    assert answer.get_json()["type"] == PROBLEM + "no-unit"
    assert api.call("post", "/", "teacher", json=course_body()).status_code == 403
    assert api.call("post", "/", "reviewer", authority="TPE", json=course_body()).status_code == 403


def test_a_draft_is_seen_only_by_its_unit_and_staff(api) -> None:
    course = register(api)
    path = f"/{course['id']}"
    assert api.business("get", path).status_code == 200
    assert api.call("get", path, "operator").status_code == 200
    for answer in (api.call("get", path), api.call("get", path, "teacher"),
                   api.business("get", path, unit="193601"),
                   api.reviewer("get", path, authority="TPE")):  # not submitted: not theirs yet
        assert answer.status_code == 404
        assert answer.get_json()["type"] == PROBLEM + "course-not-found"
    assert api.call("get", "/not-a-uuid").status_code == 404


def test_the_unit_edits_a_draft_and_another_unit_cannot(api) -> None:
    course = register(api)
    path = f"/{course['id']}"
    answer = api.business("patch", path, json={"title": "改過的名稱", "capacity": 60})
    assert answer.status_code == 200
    assert (answer.get_json()["title"], answer.get_json()["capacity"]) == ("改過的名稱", 60)
    assert answer.get_json()["code"] == course["code"]
    assert api.business("patch", path, unit="193601", json={"title": "x"}).status_code == 404
    assert api.business("get", path).get_json()["title"] == "改過的名稱"
    refused = api.business("patch", path, json={"hours": 9})
    assert refused.status_code == 422 and "hours" in refused.get_json()["errors"]


def test_submission_is_at_least_seven_days_ahead_and_routes_to_the_authority(api) -> None:
    course = register(api)
    api.clock.set(api.clock.now() + timedelta(days=10))  # Mar 14: six days before Mar 20
    late = api.business("post", f"/{course['id']}/submission")
    assert late.status_code == 409
    assert late.get_json()["type"] == PROBLEM + "submission-too-late"
    api.clock.set(api.clock.now() - timedelta(days=1))  # Mar 13: seven days
    answer = api.business("post", f"/{course['id']}/submission")
    assert answer.status_code == 200
    assert (answer.get_json()["status"], answer.get_json()["reviewing_authority_code"]) == \
        ("submitted", "TPE")
    [event] = events(api, "courses.course.submitted.v1")
    assert (event["reviewing_authority_code"], event["resubmission"]) == ("TPE", False)
    again = api.business("post", f"/{course['id']}/submission")
    assert again.get_json()["type"] == PROBLEM + "course-not-submittable"
    edit = api.business("patch", f"/{course['id']}", json={"title": "x"})
    assert (edit.status_code, edit.get_json()["type"]) == (409, PROBLEM + "course-not-editable")


def test_a_reviewer_of_another_authority_never_sees_nor_decides(api) -> None:
    course = submitted(api)
    path = f"/{course['id']}"
    assert api.reviewer("get", path, authority="TXG").status_code == 404
    decided = api.reviewer("post", f"{path}/review", authority="TXG", json={"decision": "approve"})
    assert decided.status_code == 404
    assert api.reviewer("get", "/review-queue", authority="TXG").get_json()["total"] == 0
    assert api.call("get", "/review-queue", "reviewer").get_json()["total"] == 0  # no authority
    assert api.business("get", path).get_json()["status"] == "submitted"


def test_return_with_reasons_edit_resubmit_approve_and_every_decision_kept(api) -> None:
    course = submitted(api)
    path = f"/{course['id']}"
    no_reason = api.reviewer("post", f"{path}/review", json={"decision": "return"})
    assert no_reason.status_code == 422 and "reasons" in no_reason.get_json()["errors"]
    unknown = api.reviewer("post", f"{path}/review", json={"decision": "return",
                                                           "reasons": ["Z"]})
    assert unknown.status_code == 422 and "reasons" in unknown.get_json()["errors"]
    returned = api.reviewer("post", f"{path}/review",
                            json={"decision": "return", "reasons": ["J"], "comment": "請補公文"})
    assert returned.status_code == 200 and returned.get_json()["status"] == "returned"
    api.clock.advance(hours=1)
    assert api.business("patch", path, json={"place": "線上"}).status_code == 200
    resubmitted = api.business("post", f"{path}/submission")
    assert resubmitted.get_json()["status"] == "submitted"
    approved = api.reviewer("post", f"{path}/review", json={"decision": "approve"})
    assert approved.get_json()["status"] == "approved"
    twice = api.reviewer("post", f"{path}/review", json={"decision": "approve"})
    assert twice.get_json()["type"] == PROBLEM + "course-not-submitted"
    reviews = api.business("get", path).get_json()["reviews"]
    assert [(r["decision"], r["reasons"], r["comment"]) for r in reviews] == \
        [("return", ["J"], "請補公文"), ("approve", [], None)]
    decisions = events(api, "courses.course.reviewed.v1")
    assert [(e["decision"], e["reviewing_authority_code"], e["reviewed_on"]) for e in decisions] \
        == [("return", "TPE", "2026-03-04"), ("approve", "TPE", "2026-03-04")]  # Taipei days
    assert events(api, "courses.course.submitted.v1")[1]["resubmission"] is True


def test_an_approved_course_is_public_with_the_contract_fields(api) -> None:
    course = submitted(api)
    api.reviewer("post", f"/{course['id']}/review", json={"decision": "approve"})
    public = api.call("get", f"/{course['id']}")
    assert public.status_code == 200
    body = public.get_json()
    for name in ("code", "title", "capacity", "enrolled", "waitlisted", "status",
                 "enrolment_opens_at", "enrolment_closes_at", "hours", "fairness", "series",
                 "tags"):
        assert name in body, name
    assert body["enrolment_opens_at"] == "2026-03-06T04:00:00+00:00"
    assert body["unit_name"] == "學校 353301"  # the organiser by name, not only by code
    assert "reviews" not in body  # the review history is the unit's and the reviewers'
    assert "organiser_account_id" not in body  # nor who in the unit registered it
    assert api.business("get", f"/{course['id']}").get_json()["organiser_account_id"] == \
        "business-353301"
    listed = api.call("get", "/?page=1&per_page=10").get_json()
    assert [c["id"] for c in listed["items"]] == [course["id"]] and listed["total"] == 1
    register(api)  # a draft is not listed
    assert api.call("get", "/").get_json()["total"] == 1
    assert api.call("get", "/?per_page=1000").status_code == 422


def test_the_queue_is_filtered_sorted_and_flags_meeting_titles(api) -> None:
    meeting = submitted(api, title="114學年度第1學期校務會議")
    plain = submitted(api, meetings=[{"date": "2026-04-01", "starts_at": "13:00",
                                      "ends_at": "16:00"}], hours=3,
                      enrolment_closes_at="2026-03-30T17:00:00+08:00")
    other_unit = api.business("post", "/", unit="413601", json=course_body()).get_json()
    api.business("post", f"/{other_unit['id']}/submission", unit="413601")
    queue = api.reviewer("get", "/review-queue?sort=starts_on&order=desc").get_json()
    assert queue["items"][0]["id"] == plain["id"] and queue["total"] == 3
    flagged = {c["id"]: c["meeting_flag"] for c in queue["items"]}
    assert flagged[meeting["id"]] is True and flagged[plain["id"]] is False
    assert api.business("get", f"/{meeting['id']}").get_json()["meeting_keywords"] == ["校務會議"]
    only_unit = api.reviewer("get", "/review-queue?unit=413601").get_json()
    assert [c["id"] for c in only_unit["items"]] == [other_unit["id"]]
    ranged = api.reviewer("get", "/review-queue?starts_from=2026-03-25").get_json()
    assert [c["id"] for c in ranged["items"]] == [plain["id"]]
    assert api.reviewer("get", "/review-queue?status=approved").get_json()["total"] == 0
    assert api.reviewer("get", "/review-queue?sort=title").status_code == 422


def test_series_belong_to_a_unit(api) -> None:
    series = api.business("post", "/series", json={"title": "閱讀素養三梯次",
                                                   "one_session_per_teacher": True})
    assert series.status_code == 201
    series_id = series.get_json()["id"]
    course = register(api, series_id=series_id)
    assert api.business("get", f"/{course['id']}").get_json()["series"] == {
        "id": series_id, "unit_code": "353301", "title": "閱讀素養三梯次",
        "one_session_per_teacher": True}
    other = api.business("post", "/", unit="193601", json=course_body(series_id=series_id))
    assert other.status_code == 422 and "series_id" in other.get_json()["errors"]


def test_a_unit_lists_its_series_to_its_own_its_reviewers_and_the_network(api) -> None:
    """R-CRS-4 (issue 14): the course form offers the unit's series, each with its number
    of sessions; another unit, a reviewer of another authority or a unit unknown get the
    unit's 404."""
    reading = api.business("post", "/series", json={"title": "閱讀素養三梯次",
                                                    "one_session_per_teacher": True}).get_json()
    maths = api.business("post", "/series", json={"title": "數學素養二梯次"}).get_json()
    api.business("post", "/series", unit="413601", json={"title": "他校系列"})
    register(api, series_id=reading["id"])
    register(api, series_id=reading["id"])
    expected = [{"id": maths["id"], "unit_code": "353301", "title": "數學素養二梯次",
                 "one_session_per_teacher": False, "sessions": 0},
                {"id": reading["id"], "unit_code": "353301", "title": "閱讀素養三梯次",
                 "one_session_per_teacher": True, "sessions": 2}]
    for answer in (api.business("get", "/units/353301/series"),
                   api.reviewer("get", "/units/353301/series"),  # TPE reviews 353301
                   api.call("get", "/units/353301/series", "operator")):
        assert (answer.status_code, answer.get_json()) == (200, expected)
    for refused in (api.business("get", "/units/353301/series", unit="413601"),
                    api.reviewer("get", "/units/353301/series", authority="TXG"),
                    api.business("get", "/units/999999/series", unit="999999")):
        assert refused.status_code == 404 and refused.mimetype == "application/problem+json"
        assert refused.get_json()["type"].endswith("unit-not-found")
    teacher = api.call("get", "/units/353301/series", "teacher")
    assert teacher.status_code == 403


def test_a_unit_lists_its_own_courses_in_every_state_and_no_other_units(api) -> None:
    """The list an organiser works from: drafts, returned and submitted courses of its own
    unit (the catalogue shows only what is published); another unit's is no unit (404)."""
    draft = register(api, title="草稿研習")
    sent = submitted(api, meetings=[{"date": "2026-04-01", "starts_at": "13:00",
                                     "ends_at": "16:00"}], hours=3,
                     enrolment_closes_at="2026-03-30T17:00:00+08:00")
    api.business("post", "/", unit="413601", json=course_body())
    mine = api.business("get", "/units/353301/courses").get_json()
    assert [c["id"] for c in mine["items"]] == [sent["id"], draft["id"]]  # latest first
    assert mine["total"] == 2 and mine["items"][1]["status"] == "draft"
    drafts = api.business("get", "/units/353301/courses?status=draft").get_json()
    assert [c["id"] for c in drafts["items"]] == [draft["id"]]
    ranged = api.business("get", "/units/353301/courses?starts_from=2026-03-25&order=asc")
    assert [c["id"] for c in ranged.get_json()["items"]] == [sent["id"]]
    other = api.business("get", "/units/413601/courses")
    assert other.status_code == 404
    assert other.get_json()["type"] == PROBLEM + "unit-not-found"
    assert api.call("get", "/units/413601/courses", "operator").get_json()["total"] == 1
    assert api.reviewer("get", "/units/353301/courses").status_code == 403
    bad = api.business("get", "/units/353301/courses?status=lost&per_page=500")
    assert bad.status_code == 422 and {"status", "per_page"} <= set(bad.get_json()["errors"])
