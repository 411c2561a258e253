"""The meeting-as-training check (R-CRS-10): the operators' keyword list flags titles at
submission, and the report per period and authority lists them, titles that are only a
meeting's name apart; a reviewer sees their own authority's, operators every one."""
from __future__ import annotations

import json

import pytest
from courses_helpers import FIRST_DAY
from sqlalchemy import select

from servicekit.bus.outbox import outbox
from services.courses.domain.meetings import meeting_only

PERIOD = f"from={FIRST_DAY.isoformat()}&to={FIRST_DAY.isoformat()}"
PROBLEM = "urn:inservice:problem:"
SEEDED = ["校務會議", "學年會議", "行政會議"]


def submit(api, title: str, unit: str) -> str:
    from courses_helpers import course_body
    answer = api.business("post", "/", unit=unit, json=course_body(title=title))
    assert answer.status_code == 201, answer.get_json()
    course_id = answer.get_json()["id"]
    submitted = api.business("post", f"/{course_id}/submission", unit=unit)
    assert submitted.status_code == 200, submitted.get_json()
    return course_id


@pytest.fixture
def flagged(api):
    submit(api, "114學年度第2學期期初校務會議", "353301")  # only a meeting: apart
    submit(api, "校務會議暨性平教育研習", "413601")
    submit(api, "閱讀教學工作坊", "353301")  # not flagged
    submit(api, "行政會議", "193601")  # TXG, only a meeting
    return api


def titles(entries: list[dict], key: str) -> list[str]:
    return [course["title"] for entry in entries for course in entry[key]]


def test_a_reviewer_sees_their_own_authoritys_report(flagged) -> None:
    answer = flagged.reviewer("get", f"/meeting-report?{PERIOD}", authority="TPE")
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["authority_code"] == "TPE" and body["keywords"] == SEEDED
    assert [entry["authority_code"] for entry in body["authorities"]] == ["TPE"]
    assert titles(body["authorities"], "courses") == ["校務會議暨性平教育研習"]
    assert titles(body["authorities"], "meeting_only") == ["114學年度第2學期期初校務會議"]
    assert (body["flagged"], body["meeting_only"]) == (2, 1)
    refused = flagged.reviewer("get", f"/meeting-report?{PERIOD}&authority=TXG",
                               authority="TPE")
    assert refused.status_code == 403
    assert refused.get_json()["type"] == PROBLEM + "other-authority"


def test_operators_see_every_authority_and_may_pick_one(flagged) -> None:
    body = flagged.call("get", f"/meeting-report?{PERIOD}", "operator").get_json()
    assert [entry["authority_code"] for entry in body["authorities"]] == ["TPE", "TXG"]
    assert titles(body["authorities"], "meeting_only") == [
        "114學年度第2學期期初校務會議", "行政會議"]
    one = flagged.call("get", f"/meeting-report?{PERIOD}&authority=TXG", "viewer").get_json()
    assert titles(one["authorities"], "meeting_only") == ["行政會議"]
    later = flagged.call("get", "/meeting-report?from=2026-04-01&to=2026-04-30",
                         "operator").get_json()
    assert later["authorities"] == [] and later["flagged"] == 0


def test_the_keyword_list_is_the_operators(api) -> None:
    put = api.call("put", "/vocabularies/meeting_keyword/homeroom", "operator",
                   json={"label": "導師會議"})
    assert put.status_code == 201, put.get_json()
    course_id = submit(api, "導師會議與班級經營", "353301")
    with api.runtime.database.engine.connect() as connection:
        [body] = connection.scalars(select(outbox.c.body).where(
            outbox.c.event_type == "courses.course.submitted.v1"))
    assert json.loads(body)["data"]["meeting_keywords"] == ["導師會議"]
    report = api.call("get", f"/meeting-report?{PERIOD}", "operator").get_json()
    assert [c["id"] for c in report["authorities"][0]["courses"]] == [course_id]
    retired = api.call("put", "/vocabularies/meeting_keyword/homeroom", "operator",
                       json={"label": "導師會議", "active": False})
    assert retired.status_code == 200
    assert api.call("get", f"/meeting-report?{PERIOD}", "operator").get_json()["flagged"] == 0


def test_the_course_view_and_the_review_queue_flag_the_operators_names(api) -> None:
    """R-CRS-10: the organiser and the reviewer see the flag with the operators' list, as
    the submission warning does: a name they add is flagged, a name they retire is not."""
    added = api.call("put", "/vocabularies/meeting_keyword/homeroom", "operator",
                     json={"label": "導師會議"})
    assert added.status_code == 201, added.get_json()
    retired = api.call("put", "/vocabularies/meeting_keyword/school_affairs", "operator",
                       json={"label": "校務會議", "active": False})
    assert retired.status_code == 200, retired.get_json()
    homeroom = submit(api, "導師會議與班級經營", "353301")
    affairs = submit(api, "114學年度第1學期校務會議", "353301")
    viewed = api.business("get", f"/{homeroom}").get_json()
    assert (viewed["meeting_keywords"], viewed["meeting_flag"]) == (["導師會議"], True)
    assert api.business("get", f"/{affairs}").get_json()["meeting_flag"] is False
    queue = api.reviewer("get", "/review-queue").get_json()
    assert {c["id"]: c["meeting_keywords"] for c in queue["items"]} == {
        homeroom: ["導師會議"], affairs: []}


@pytest.mark.parametrize(("query", "parameter", "slug"), [
    ("from=2026-03-20&to=2026-03-01", "to", "reversed-range"),
    ("from=2025-01-01&to=2026-12-31", "to", "period-too-long"),
    ("to=2026-03-01", "from", "validation-failed"),
])
def test_a_bad_period_names_its_parameter(api, query, parameter, slug) -> None:
    answer = api.call("get", f"/meeting-report?{query}", "operator")
    assert answer.status_code == 422
    assert answer.get_json()["type"] == PROBLEM + slug
    assert parameter in answer.get_json()["errors"]


def test_teachers_business_accounts_and_strangers_get_no_report(api) -> None:
    assert api.call("get", f"/meeting-report?{PERIOD}").status_code == 401
    for role in ("teacher", "business"):
        assert api.call("get", f"/meeting-report?{PERIOD}", role, unit="353301").status_code == 403
    assert api.call("get", f"/meeting-report?{PERIOD}", "reviewer").status_code == 403


@pytest.mark.unit
@pytest.mark.parametrize(("title", "only"), [
    ("校務會議", True), ("114學年度第2學期期初校務會議", True), ("第三次行政會議（臨時）", True),
    ("校務會議暨性平教育研習", False), ("學年會議：閱讀教學分享", False), ("閱讀教學", False),
])
def test_only_a_meeting_name_is_told_apart(title, only) -> None:
    assert meeting_only(title, SEEDED) is only
