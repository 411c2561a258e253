"""Review of digital-material and distance courses (R-CRS-14) through the HTTP API on the
embedded default: a teacher-education university submits, the network's operators assign
one reviewer per role (subject, digital learning, serving teacher), each assigned reviewer
scores unseen by the others until all three are in, the third score decides by the README's
rule, a passed case is published, and a case sent back for revision comes again as a new
round with the earlier round's scores kept."""
from __future__ import annotations

import io
import json
from typing import Any

import pytest
from sqlalchemy import select

from servicekit.bus.outbox import outbox
from servicekit.events import Envelope
from services.courses.handlers import replica

PROBLEM = "urn:inservice:problem:"
NTNU, NCUE, SCHOOL = "NTNU01", "NCUE01", "353301"  # 353301: a senior high school (conftest)
SUBJECT = "5d0f6b1e-0000-4000-8000-000000000001"
DIGITAL = "5d0f6b1e-0000-4000-8000-000000000002"
SERVING = "5d0f6b1e-0000-4000-8000-000000000003"
OTHER = "5d0f6b1e-0000-4000-8000-000000000004"
REVIEWERS = {"subject": SUBJECT, "digital_learning": DIGITAL, "serving_teacher": SERVING}


def case_body(**changes: Any) -> dict[str, Any]:
    body = {"title": "新住民多元文化理解", "kind": "digital_material",
            "description": "以影片與線上討論認識新住民的語言與文化，含單元測驗。",
            "hours": 6, "subject_area": "多元文化教育",
            "links": ["https://ups.moe.edu.tw/mooc/course.php?id=1"]}
    body.update(changes)
    return body


@pytest.fixture
def review(api):
    """The API with two teacher-education universities in the units' replica."""
    events = []
    for code, name in ((NTNU, "國立臺灣師範大學"), (NCUE, "國立彰化師範大學")):
        data = {"unit_code": code, "name": name, "unit_type": "teacher_education_university",
                "authority_code": "K12EA", "county_code": None, "version": 1}
        events.append((data, Envelope(type="accounts.unit.registered.v1", source="accounts",
                                      correlation_id="test", data=data)))
    with api.runtime.database.session() as session:
        replica.apply_units(session, events)
    return api


def submit(api, unit: str = NTNU, **changes: Any) -> str:
    answer = api.business("post", "/materials", unit=unit, json=case_body(**changes))
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["id"]


def assign(api, case_id: str, **chosen: str):
    return api.call("put", f"/materials/{case_id}/reviewers", "operator",
                    json={**REVIEWERS, **chosen})


def score(api, case_id: str, reviewer: str, value: Any, comment: str = "內容完整"):
    return api.call("put", f"/materials/{case_id}/score", "reviewer", subject=reviewer,
                    json={"score": value, "comment": comment})


def as_reviewer(api, case_id: str, reviewer: str):
    return api.call("get", f"/materials/{case_id}", "reviewer", subject=reviewer)


def decided_events(api) -> list[dict[str, Any]]:
    with api.runtime.database.engine.connect() as connection:
        bodies = connection.scalars(select(outbox.c.body).where(
            outbox.c.event_type == "courses.material.decided.v1").order_by(outbox.c.position))
        return [json.loads(body)["data"] for body in bodies]


def test_a_teacher_education_university_submits_a_case(review) -> None:
    answer = review.business("post", "/materials", unit=NTNU,
                             json=case_body(kind="distance", hours=4.5))
    assert answer.status_code == 201, answer.get_json()
    case = answer.get_json()
    assert (case["status"], case["round"], case["unit_code"]) == ("submitted", 1, NTNU)
    assert (case["kind"], case["hours"], case["title"]) == ("distance", 4.5, "新住民多元文化理解")
    assert case["rounds"][0]["assigned"] == [] and case["rounds"][0]["reviews"] == []


def test_only_a_teacher_education_university_submits(review) -> None:
    school = review.business("post", "/materials", unit=SCHOOL, json=case_body())
    assert school.status_code == 403
    assert school.get_json()["type"] == PROBLEM + "not-teacher-education-university"
    unknown = review.business("post", "/materials", unit="UNKNOWN1", json=case_body())
    assert unknown.status_code == 409
    assert unknown.get_json()["type"] == PROBLEM + "unit-unknown"


@pytest.mark.parametrize("changes, field", [
    ({"kind": "video"}, "kind"),
    ({"hours": 0}, "hours"),
    ({"hours": 1.25}, "hours"),
    ({"title": ""}, "title"),
    ({"links": ["javascript:alert(1)"]}, "links"),
    ({"links": ["https://a.example.org/x", "https://a.example.org/x"]}, "links"),
])
def test_bad_fields_name_the_field(review, changes, field) -> None:
    answer = review.business("post", "/materials", unit=NTNU, json=case_body(**changes))
    assert answer.status_code == 422, answer.get_json()
    assert answer.mimetype == "application/problem+json"
    assert answer.get_json()["type"] == PROBLEM + "validation-failed"
    assert field in answer.get_json()["errors"]


def test_scores_stay_unseen_until_all_three_are_in_then_the_rule_decides(review) -> None:
    case_id = submit(review)
    assigned = assign(review, case_id)
    assert assigned.status_code == 200, assigned.get_json()
    assert assigned.get_json()["status"] == "in_review"
    assert score(review, case_id, SUBJECT, 80, "學科內容正確").status_code == 200
    answer = score(review, case_id, DIGITAL, 60, "互動設計可再加強")
    assert answer.status_code == 200, answer.get_json()

    # the second reviewer sees their own review only, not the first's score
    [reviews] = [r["reviews"] for r in answer.get_json()["rounds"]]
    assert [(r["role"], r["score"]) for r in reviews] == [("digital_learning", 60)]
    third = as_reviewer(review, case_id, SERVING).get_json()["rounds"][0]
    assert [(r["role"], r["score"]) for r in third["reviews"]] == [("serving_teacher", None)]
    assert third["scored"] == ["subject", "digital_learning"] and third["mean"] is None
    university = review.business("get", f"/materials/{case_id}", unit=NTNU).get_json()
    assert university["rounds"][0]["reviews"] == [] and university["status"] == "in_review"
    assert decided_events(review) == []

    last = score(review, case_id, SERVING, 73, "貼近教學現場")
    assert last.status_code == 200, last.get_json()
    body = last.get_json()
    # mean 71 and no score under 60: pass
    assert body["status"] == "passed"
    assert (body["rounds"][0]["result"], body["rounds"][0]["mean"]) == ("pass", 71.0)
    assert [r["score"] for r in body["rounds"][0]["reviews"]] == [80, 60, 73]
    # the university sees the scores and comments by role, never who gave them
    university = review.business("get", f"/materials/{case_id}", unit=NTNU).get_json()
    assert [(r["role"], r["score"], r["comment"], r["reviewer_id"])
            for r in university["rounds"][0]["reviews"]] == [
        ("subject", 80, "學科內容正確", None), ("digital_learning", 60, "互動設計可再加強", None),
        ("serving_teacher", 73, "貼近教學現場", None)]
    [event] = decided_events(review)
    assert event["result"] == "pass" and event["round"] == 1 and event["mean"] == 71.0
    assert event["scores"] == {"subject": 80, "digital_learning": 60, "serving_teacher": 73}
    assert (event["case_id"], event["unit_code"], event["kind"]) == (case_id, NTNU,
                                                                     "digital_material")
    assert event["decided_on"] == "2026-03-04"

    published = review.call("get", "/materials/passed").get_json()
    assert published["total"] == 1
    [item] = published["items"]
    assert (item["id"], item["unit_name"], item["title"]) == (case_id, "國立臺灣師範大學",
                                                              "新住民多元文化理解")
    assert review.call("get", "/materials/passed?kind=distance").get_json()["total"] == 0
    assert review.call("get", "/materials/passed?kind=video").status_code == 422
    late = review.business("post", f"/materials/{case_id}/attachments", unit=NTNU,
                           data={"file": (io.BytesIO(b"%PDF-1.7"), "late.pdf")},
                           content_type="multipart/form-data")
    assert late.status_code == 409 and late.get_json()["type"] == PROBLEM + "case-not-open"


def test_a_reviewer_changes_their_score_until_the_round_is_decided(review) -> None:
    case_id = submit(review)
    assign(review, case_id)
    score(review, case_id, SUBJECT, 40)
    changed = score(review, case_id, SUBJECT, 90, "再讀一次後修正")
    assert changed.get_json()["rounds"][0]["reviews"][0]["score"] == 90
    score(review, case_id, DIGITAL, 90)
    score(review, case_id, SERVING, 90)
    again = score(review, case_id, SUBJECT, 10)
    assert again.status_code == 409
    assert again.get_json()["type"] == PROBLEM + "case-not-open"


@pytest.mark.parametrize("value", [-1, 101])
def test_a_score_out_of_range_is_refused(review, value) -> None:
    case_id = submit(review)
    assign(review, case_id)
    answer = score(review, case_id, SUBJECT, value)
    assert answer.status_code == 422
    assert answer.get_json()["type"] == PROBLEM + "score-out-of-range"
    assert "score" in answer.get_json()["errors"]
    not_whole = score(review, case_id, SUBJECT, 70.5)
    assert not_whole.get_json()["type"] == PROBLEM + "validation-failed"


def test_revise_then_resubmit_is_a_new_round_with_the_old_scores_kept(review) -> None:
    case_id = submit(review)
    assign(review, case_id)
    for reviewer, value in ((SUBJECT, 65), (DIGITAL, 55), (SERVING, 70)):
        score(review, case_id, reviewer, value)
    case = review.business("get", f"/materials/{case_id}", unit=NTNU).get_json()
    assert case["status"] == "revise" and case["rounds"][0]["result"] == "revise"
    assert review.call("get", "/materials/passed").get_json()["total"] == 0

    # the serving teacher is replaced for the new round; the old one no longer scores
    answer = review.business("post", f"/materials/{case_id}/resubmission", unit=NTNU,
                             json={"title": "新住民多元文化理解（修正版）", "hours": 8})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert (body["status"], body["round"], body["hours"]) == ("in_review", 2, 8.0)
    assert body["description"] == case_body()["description"]  # unchanged fields stay
    assert assign(review, case_id, serving_teacher=OTHER).status_code == 200
    refused = score(review, case_id, SERVING, 90)
    assert refused.status_code == 403
    assert refused.get_json()["type"] == PROBLEM + "not-assigned-reviewer"
    # ... but still reads the round they reviewed
    assert as_reviewer(review, case_id, SERVING).status_code == 200

    for reviewer, value in ((SUBJECT, 85), (DIGITAL, 75), (OTHER, 80)):
        assert score(review, case_id, reviewer, value).status_code == 200
    case = review.call("get", f"/materials/{case_id}", "operator").get_json()
    assert case["status"] == "passed"
    assert [(r["round"], r["title"], r["result"]) for r in case["rounds"]] == [
        (1, "新住民多元文化理解", "revise"), (2, "新住民多元文化理解（修正版）", "pass")]
    assert [r["score"] for r in case["rounds"][0]["reviews"]] == [65, 55, 70]
    assert [r["reviewer_id"] for r in case["rounds"][1]["reviews"]] == [SUBJECT, DIGITAL, OTHER]
    assert [(e["round"], e["result"]) for e in decided_events(review)] == [
        (1, "revise"), (2, "pass")]


def test_only_a_case_sent_back_is_resubmitted(review) -> None:
    case_id = submit(review)
    answer = review.business("post", f"/materials/{case_id}/resubmission", unit=NTNU,
                             json={"hours": 8})
    assert answer.status_code == 409
    assert answer.get_json()["type"] == PROBLEM + "case-not-revisable"
    assign(review, case_id)
    for reviewer in (SUBJECT, DIGITAL, SERVING):
        score(review, case_id, reviewer, 30)
    failed = review.business("post", f"/materials/{case_id}/resubmission", unit=NTNU, json={})
    assert failed.get_json()["type"] == PROBLEM + "case-not-revisable"
    assert decided_events(review)[0]["result"] == "fail"


def test_assigning_reviewers(review) -> None:
    case_id = submit(review)
    twice = assign(review, case_id, serving_teacher=SUBJECT)
    assert twice.status_code == 422
    assert twice.get_json()["type"] == PROBLEM + "reviewers-not-distinct"
    missing = review.call("put", f"/materials/{case_id}/reviewers", "operator",
                          json={"subject": SUBJECT})
    assert missing.status_code == 422
    assert set(missing.get_json()["errors"]) == {"digital_learning", "serving_teacher"}
    assert assign(review, case_id).status_code == 200
    score(review, case_id, SUBJECT, 70)
    replaced = assign(review, case_id, subject=OTHER)
    assert replaced.status_code == 409
    assert replaced.get_json()["type"] == PROBLEM + "reviewer-already-scored"
    # a reviewer who has not scored is replaced; the one who scored keeps their score
    answer = assign(review, case_id, digital_learning=OTHER)
    assert answer.status_code == 200
    reviews = answer.get_json()["rounds"][0]["reviews"]
    assert [(r["reviewer_id"], r["score"]) for r in reviews] == [
        (SUBJECT, 70), (OTHER, None), (SERVING, None)]
    assert as_reviewer(review, case_id, DIGITAL).status_code == 404  # no longer theirs
    score(review, case_id, OTHER, 70)
    score(review, case_id, SERVING, 70)
    closed = assign(review, case_id)
    assert closed.status_code == 409
    assert closed.get_json()["type"] == PROBLEM + "case-not-open"


def test_each_sees_only_their_scope(review) -> None:
    mine = submit(review, NTNU)
    theirs = submit(review, NCUE, title="東南亞文化")
    assign(review, mine)
    other = review.business("get", f"/materials/{theirs}", unit=NTNU)
    assert other.status_code == 404
    assert other.get_json()["type"] == PROBLEM + "case-not-found"
    assert review.business("post", f"/materials/{theirs}/resubmission", unit=NTNU,
                           json={}).status_code == 404
    assert as_reviewer(review, theirs, SUBJECT).status_code == 404  # not assigned to it
    assert score(review, theirs, SUBJECT, 80).status_code == 404
    assert review.call("get", "/materials/not-a-uuid", "operator").status_code == 404

    def listed(role: str, **who: Any) -> list[str]:
        answer = review.call("get", "/materials", role, **who)
        assert answer.status_code == 200, answer.get_json()
        return sorted(item["title"] for item in answer.get_json()["items"])

    assert listed("business", unit=NTNU) == ["新住民多元文化理解"]
    assert listed("business", unit=NCUE) == ["東南亞文化"]
    assert listed("reviewer", subject=SUBJECT) == ["新住民多元文化理解"]
    assert listed("reviewer", subject=OTHER) == []
    assert listed("operator") == ["新住民多元文化理解", "東南亞文化"]
    queued = review.call("get", "/materials?status=submitted", "operator").get_json()
    assert [item["title"] for item in queued["items"]] == ["東南亞文化"]
    bad = review.call("get", "/materials?status=lost", "operator")
    assert bad.status_code == 422 and "status" in bad.get_json()["errors"]


def test_files_of_a_case(review) -> None:
    case_id = submit(review)
    upload = review.business("post", f"/materials/{case_id}/attachments", unit=NTNU,
                             data={"file": (io.BytesIO(b"%PDF-1.7 plan"), "計畫書.pdf")},
                             content_type="multipart/form-data")
    assert upload.status_code == 201, upload.get_json()
    attachment_id = upload.get_json()["id"]
    renamed = review.business("post", f"/materials/{case_id}/attachments", unit=NTNU,
                              data={"file": (io.BytesIO(b"MZ\x90\x00"), "plan.pdf")},
                              content_type="multipart/form-data")
    assert renamed.get_json()["type"] == PROBLEM + "attachment-type-refused"
    other = review.business("post", f"/materials/{case_id}/attachments", unit=NCUE,
                            data={"file": (io.BytesIO(b"%PDF-1.7"), "x.pdf")},
                            content_type="multipart/form-data")
    assert other.status_code == 404
    assign(review, case_id)
    path = f"/materials/{case_id}/attachments/{attachment_id}"
    got = review.call("get", path, "reviewer", subject=DIGITAL)
    assert got.status_code == 200 and got.data == b"%PDF-1.7 plan"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert review.call("get", path, "reviewer", subject=OTHER).status_code == 404
    listed = review.business("get", f"/materials/{case_id}", unit=NTNU).get_json()
    assert [a["filename"] for a in listed["attachments"]] == ["計畫書.pdf"]
