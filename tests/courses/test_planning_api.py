"""Planning through the API (R-CRS-13): a school's business account writes its school-based
plan for school year 115 while the school window is open (14–31 August, Taipei days),
saves drafts and submits; a teacher of the school writes their own plan in the teacher
window (4–29 September) reading the school's submitted plan; the school sees its teachers'
plans summarised; reviewers read the submitted plans of their authority's schools only."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from contracts.calendar import TAIPEI
from servicekit.events import Envelope
from services.courses.handlers import replica

PROBLEM = "urn:inservice:problem:"
YEAR = 115  # 2026-08-01 … 2027-07-31
SCHOOL = f"/plans/{YEAR}/schools/353301"  # a TPE senior high school (tests' replica)
OTHER_SCHOOL = f"/plans/{YEAR}/schools/413601"  # a TPE elementary school
MINE = f"/plans/{YEAR}/me"
TEACHERS = {  # account id → (name, school)
    "5a1f3c1e-0000-4000-8000-000000000001": ("王小明", "353301"),
    "5a1f3c1e-0000-4000-8000-000000000002": ("林美玲", "353301"),
    "5a1f3c1e-0000-4000-8000-000000000003": ("陳大文", "353301"),
    "5a1f3c1e-0000-4000-8000-000000000004": ("張雅婷", "413601"),
}
WANG, LIN, CHEN, CHANG = TEACHERS


def taipei(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=TAIPEI).astimezone(UTC)


SCHOOL_OPENS = taipei(2026, 8, 14, 0, 0)
TEACHERS_OPEN = taipei(2026, 9, 4, 0, 0)


def account_event(account_id: str, name: str, school: str, status: str = "enabled"):
    data = {"account_id": account_id, "login": f"t{account_id[-4:]}", "kind": "teacher",
            "status": status, "display_name": name, "email": None, "unit_code": school,
            "authority_code": None, "county_code": "TPE", "version": 1}
    return data, Envelope(type="accounts.account.updated.v1", source="accounts",
                          correlation_id="test", data=data)


def unit_event(code: str, unit_type: str, authority: str, county: str):
    data = {"unit_code": code, "name": f"單位 {code}", "unit_type": unit_type,
            "authority_code": authority, "county_code": county, "version": 1}
    return data, Envelope(type="accounts.unit.registered.v1", source="accounts",
                          correlation_id="test", data=data)


@pytest.fixture
def plans(api):
    with api.runtime.database.session() as session:
        replica.apply_teachers(session, [account_event(account_id, name, school)
                                         for account_id, (name, school) in TEACHERS.items()])
        replica.apply_units(session, [unit_event("TPE-STUDY", "county_teacher_study_centre",
                                                 "TPE", "TPE")])
    api.clock.set(SCHOOL_OPENS)
    return api


def school_body(**changes: Any) -> dict[str, Any]:
    body = {
        "themes": ["防災教育", "閱讀素養"],
        "courses": [
            {"title": "校園防災演練與教學", "hours": 3, "target": "senior_high",
             "tags": ["disaster_prevention"], "month": "2026-10", "theme": "防災教育"},
            {"title": "閱讀理解策略工作坊", "hours": 6.5, "target": "senior_high",
             "tags": [], "month": "2027-03", "theme": "閱讀素養"},
        ],
        "hours_per_teacher": 18,
        "budget": [{"item": "講座鐘點費", "amount": 12000, "source": "教育部補助"},
                   {"item": "印刷費", "amount": 3500, "source": "學校自籌"}],
    }
    body.update(changes)
    return body


def submit_school_plan(api) -> None:
    assert api.business("put", SCHOOL, json=school_body()).status_code == 200
    assert api.business("post", f"{SCHOOL}/submission").status_code == 200


def teacher(api, method: str, account_id: str, path: str = MINE, **kwargs: Any):
    return api.call(method, path, "teacher", subject=account_id, **kwargs)


def problem(answer, status: int, slug: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.get_json()
    assert answer.mimetype == "application/problem+json"
    body = answer.get_json()
    assert body["type"] == PROBLEM + slug, body
    return body


# -- the school-based plan ------------------------------------------------------------------

def test_the_school_window_opens_at_midnight_taipei_on_14_august(plans) -> None:
    plans.clock.set(taipei(2026, 8, 13, 23, 59))
    closed = problem(plans.business("put", SCHOOL, json=school_body()), 409,
                     "plan-window-closed")
    assert closed["window"] == {"opens_on": "2026-08-14", "closes_on": "2026-08-31"}
    assert (closed["school_year"], closed["plan"]) == (YEAR, "school")
    before = plans.business("get", SCHOOL).get_json()
    assert (before["status"], before["editable"], before["window"]["open"]) == \
        ("none", False, False)
    plans.clock.set(taipei(2026, 8, 14, 0, 0))
    saved = plans.business("put", SCHOOL, json=school_body())
    assert saved.status_code == 200, saved.get_json()
    body = saved.get_json()
    assert (body["status"], body["version"], body["editable"]) == ("draft", 1, True)
    assert (body["first_day"], body["last_day"]) == ("2026-08-01", "2027-07-31")
    assert body["course_hours"] == 9.5 and body["budget_total"] == 15500
    assert body["courses"][0]["tag_labels"] == ["防災教育"]
    assert body["courses"][0]["target_label"].startswith("高中")


def test_drafts_are_saved_then_submitted_and_read_only_after_the_window(plans) -> None:
    first = plans.business("put", SCHOOL, json=school_body(themes=["防災教育"], courses=[],
                                                           hours_per_teacher=None)).get_json()
    assert first["version"] == 1
    problem(plans.business("post", f"{SCHOOL}/submission"), 409, "plan-incomplete")
    problem(plans.business("put", SCHOOL, json=school_body(version=0)), 409, "plan-changed")
    second = plans.business("put", SCHOOL, json=school_body(version=1)).get_json()
    assert (second["version"], second["themes"]) == (2, ["防災教育", "閱讀素養"])
    submitted = plans.business("post", f"{SCHOOL}/submission")
    assert submitted.status_code == 200, submitted.get_json()
    assert submitted.get_json()["status"] == "submitted"
    assert submitted.get_json()["submitted_at"] is not None
    problem(plans.business("post", f"{SCHOOL}/submission"), 409, "plan-already-submitted")
    # An edit while the window is open takes it back to draft, to be submitted again.
    plans.clock.set(taipei(2026, 8, 31, 23, 59))
    edited = plans.business("put", SCHOOL, json=school_body(hours_per_teacher=20)).get_json()
    assert (edited["status"], edited["submitted_at"]) == ("draft", None)
    assert plans.business("post", f"{SCHOOL}/submission").get_json()["status"] == "submitted"
    plans.clock.set(taipei(2026, 9, 1, 0, 0))
    problem(plans.business("put", SCHOOL, json=school_body()), 409, "plan-window-closed")
    problem(plans.business("post", f"{SCHOOL}/submission"), 409, "plan-window-closed")
    after = plans.business("get", SCHOOL).get_json()
    assert (after["status"], after["editable"], after["hours_per_teacher"]) == \
        ("submitted", False, 20)


@pytest.mark.parametrize("changes, field", [
    ({"courses": [{"title": "x", "hours": 2, "month": "2027-08", "tags": []}]},
     "courses.0.month"),  # August 2027 is school year 116
    ({"courses": [{"title": "x", "hours": 2, "month": "2026-09", "tags": ["no_such_tag"]}]},
     "courses.0.tags"),
    ({"courses": [{"title": "x", "hours": 2, "month": "2026-09", "theme": "不是主題"}]},
     "courses.0.theme"),
    ({"courses": [{"title": "x", "hours": 2, "month": "2026-09", "target": "nobody"}]},
     "courses.0.target"),
    ({"courses": [{"title": "x", "hours": 1.25, "month": "2026-09"}]}, "courses.0.hours"),
    ({"themes": ["閱讀", "閱讀"]}, "themes"),
])
def test_a_plans_meaning_is_checked(plans, changes, field) -> None:
    body = problem(plans.business("put", SCHOOL, json=school_body(**changes)), 422,
                   "validation-failed")
    assert field in body["errors"], body["errors"]


@pytest.mark.parametrize("changes, field", [
    ({"budget": [{"item": "鐘點費", "amount": 12.5, "source": "教育部"}]}, "budget"),
    ({"budget": [{"item": "鐘點費", "amount": -1, "source": "教育部"}]}, "budget"),
    ({"themes": ["   "]}, "themes"),
    ({"courses": [{"title": "x", "hours": 0, "month": "2026-09"}]}, "courses"),
    ({"unknown": 1}, "unknown"),
    ({"version": "1"}, "version"),
])
def test_a_plans_shape_is_checked_at_the_edge(plans, changes, field) -> None:
    body = problem(plans.business("put", SCHOOL, json=school_body(**changes)), 422,
                   "validation-failed")
    assert field in body["errors"], body["errors"]


@pytest.mark.parametrize("year", ["abc", "0", "1000", "-1", "11 5"])
def test_a_school_year_is_a_roc_year_number(plans, year) -> None:
    body = problem(plans.business("get", f"/plans/{year}/schools/353301"), 422,
                   "validation-failed")
    assert "school_year" in body["errors"]


def test_another_schools_plan_is_not_found_and_a_unit_that_is_no_school_is_refused(
        plans) -> None:
    submit_school_plan(plans)
    for method, path in (("get", SCHOOL), ("put", SCHOOL), ("post", f"{SCHOOL}/submission"),
                         ("get", f"{SCHOOL}/teachers")):
        answer = plans.business(method, path, unit="413601",
                                json=school_body() if method == "put" else None)
        body = problem(answer, 404, "plan-not-found")
        assert body["unit_code"] == "353301"
    centre = f"/plans/{YEAR}/schools/TPE-STUDY"
    problem(plans.business("put", centre, unit="TPE-STUDY", json=school_body()), 403,
            "not-a-school")
    problem(plans.business("get", centre, unit="TPE-STUDY"), 403, "not-a-school")
    problem(plans.call("put", SCHOOL, "business", json=school_body()), 403, "no-unit")
    problem(plans.business("put", f"/plans/{YEAR}/schools/999999", unit="999999",
                           json=school_body()), 409, "unit-unknown")


def test_reviewers_read_submitted_plans_of_their_authoritys_schools_only(plans) -> None:
    assert plans.business("put", SCHOOL, json=school_body()).status_code == 200
    problem(plans.reviewer("get", SCHOOL, authority="TPE"), 404, "plan-not-found")  # a draft
    assert plans.reviewer("get", f"/plans/{YEAR}/schools", authority="TPE").get_json()[
        "plans"] == []
    assert plans.business("post", f"{SCHOOL}/submission").status_code == 200
    seen = plans.reviewer("get", SCHOOL, authority="TPE")
    assert seen.status_code == 200 and seen.get_json()["status"] == "submitted"
    assert seen.get_json()["editable"] is False
    problem(plans.reviewer("get", SCHOOL, authority="TXG"), 404, "plan-not-found")
    listed = plans.reviewer("get", f"/plans/{YEAR}/schools", authority="TPE").get_json()
    assert [(p["unit_code"], p["courses"], p["course_hours"], p["budget_total"])
            for p in listed["plans"]] == [("353301", 2, 9.5, 15500)]
    assert listed["authority_code"] == "TPE"
    assert plans.reviewer("get", f"/plans/{YEAR}/schools", authority="TXG").get_json()[
        "plans"] == []
    problem(plans.reviewer("get", f"/plans/{YEAR}/schools?authority=TXG", authority="TPE"),
            403, "other-authority")
    problem(plans.call("get", f"/plans/{YEAR}/schools", "reviewer"), 403, "no-authority")
    every = plans.call("get", f"/plans/{YEAR}/schools", "operator").get_json()
    assert [p["unit_code"] for p in every["plans"]] == ["353301"]
    assert plans.call("get", f"/plans/{YEAR}/schools?authority=TXG", "operator").get_json()[
        "plans"] == []
    assert plans.call("get", SCHOOL, "admin").status_code == 200
    # Another school year has no plan.
    problem(plans.reviewer("get", "/plans/114/schools/353301"), 404, "plan-not-found")


def test_a_draft_is_the_schools_own_until_submitted(plans) -> None:
    """R-CRS-13 as the seed runs it: the school's business account writes the school-based
    plan, and its teachers, its authority and the network read what the school filed. A
    draft, and a submitted plan edited back into a draft, is read by the school alone:
    to anyone else it answers as no plan at all."""
    def nobody_else_reads_it() -> None:
        for answer in (plans.reviewer("get", SCHOOL, authority="TPE"),
                       plans.call("get", SCHOOL, "operator"), plans.call("get", SCHOOL, "admin"),
                       plans.business("get", SCHOOL, unit="413601")):
            assert problem(answer, 404, "plan-not-found")["unit_code"] == "353301"
        assert plans.reviewer("get", f"/plans/{YEAR}/schools").get_json()["plans"] == []
        assert plans.call("get", f"/plans/{YEAR}/schools", "operator").get_json()[
            "plans"] == []
        assert teacher(plans, "get", WANG).get_json()["school_plan"] is None

    assert plans.business("put", SCHOOL, json=school_body()).status_code == 200
    assert plans.business("get", SCHOOL).get_json()["status"] == "draft"
    nobody_else_reads_it()
    assert plans.business("post", f"{SCHOOL}/submission").status_code == 200
    assert plans.reviewer("get", SCHOOL).get_json()["status"] == "submitted"
    assert plans.call("get", SCHOOL, "operator").status_code == 200
    assert teacher(plans, "get", WANG).get_json()["school_plan"]["status"] == "submitted"
    edited = plans.business("put", SCHOOL, json=school_body(version=2, hours_per_teacher=20))
    assert edited.get_json()["status"] == "draft", edited.get_json()
    nobody_else_reads_it()


# -- the teacher's own plan -------------------------------------------------------------------

def my_body(**changes: Any) -> dict[str, Any]:
    body = {"goals": ["精進防災教學", "帶領閱讀社群"],
            "courses": [{"title": "校園防災演練與教學", "hours": 3, "month": "2026-10",
                         "tags": ["disaster_prevention", "environment"], "theme": "防災教育"},
                        {"title": "閱讀理解策略", "hours": 6, "month": "2027-03",
                         "theme": "閱讀素養"}]}
    body.update(changes)
    return body


def test_a_teacher_writes_their_plan_in_their_window_seeing_the_schools(plans) -> None:
    submit_school_plan(plans)
    plans.clock.set(taipei(2026, 9, 3, 23, 59))
    problem(teacher(plans, "put", WANG, json=my_body()), 409, "plan-window-closed")
    before = teacher(plans, "get", WANG).get_json()
    assert (before["plan"], before["editable"], before["unit_code"]) == (None, False, "353301")
    assert before["school_plan"]["themes"] == ["防災教育", "閱讀素養"]
    assert before["school_plan"]["editable"] is False
    plans.clock.set(TEACHERS_OPEN)
    saved = teacher(plans, "put", WANG, json=my_body())
    assert saved.status_code == 200, saved.get_json()
    assert (saved.get_json()["hours"], saved.get_json()["version"]) == (9.0, 1)
    mine = teacher(plans, "get", WANG).get_json()
    assert mine["plan"]["goals"] == ["精進防災教學", "帶領閱讀社群"] and mine["editable"]
    problem(teacher(plans, "put", WANG, json=my_body(version=0)), 409, "plan-changed")
    again = teacher(plans, "put", WANG, json=my_body(version=1, courses=[])).get_json()
    assert (again["version"], again["hours"]) == (2, 0.0)
    wrong = problem(teacher(plans, "put", LIN, json=my_body(courses=[
        {"title": "x", "hours": 2, "month": "2026-10", "theme": "不在學校計畫"}])), 422,
        "validation-failed")
    assert "courses.0.theme" in wrong["errors"]
    problem(teacher(plans, "put", LIN, json={}), 422, "validation-failed")  # nothing planned
    plans.clock.set(taipei(2026, 9, 30, 0, 0))  # after 29 September: read-only
    problem(teacher(plans, "put", WANG, json=my_body()), 409, "plan-window-closed")
    assert teacher(plans, "get", WANG).get_json()["plan"]["version"] == 2


def test_a_teacher_of_a_school_without_a_submitted_plan_plans_without_themes(plans) -> None:
    assert plans.business("put", OTHER_SCHOOL, unit="413601",
                          json=school_body()).status_code == 200  # a draft only
    plans.clock.set(TEACHERS_OPEN)
    mine = teacher(plans, "get", CHANG).get_json()
    assert (mine["unit_code"], mine["school_plan"]) == ("413601", None)
    problem(teacher(plans, "put", CHANG, json=my_body()), 422, "validation-failed")
    saved = teacher(plans, "put", CHANG, json=my_body(courses=[
        {"title": "自主學習", "hours": 4, "month": "2026-11", "tags": ["environment"]}]))
    assert saved.status_code == 200, saved.get_json()
    stranger = "5a1f3c1e-0000-4000-8000-0000000000ff"  # not in the teachers' replica
    assert teacher(plans, "get", stranger).get_json()["unit_code"] is None
    problem(teacher(plans, "put", stranger, json=my_body()), 409, "teacher-without-school")


def test_the_school_sees_its_teachers_plans_summarised(plans) -> None:
    submit_school_plan(plans)
    plans.clock.set(TEACHERS_OPEN)
    assert teacher(plans, "put", WANG, json=my_body()).status_code == 200
    assert teacher(plans, "put", CHEN, json=my_body(courses=[
        {"title": "防災教材", "hours": 2.5, "month": "2026-12", "tags": ["disaster_prevention"],
         "theme": "防災教育"},
        {"title": "自主學習", "hours": 1, "month": "2027-01"}])).status_code == 200
    answer = plans.business("get", f"{SCHOOL}/teachers")
    assert answer.status_code == 200, answer.get_json()
    summary = answer.get_json()
    assert (summary["teachers"], summary["with_plan"], summary["without_plan"]) == (3, 2, 1)
    assert summary["hours_planned"] == 12.5 and summary["school_plan_status"] == "submitted"
    assert summary["hours_by_theme"] == [
        {"theme": "閱讀素養", "hours": 6.0, "teachers": 1, "courses": 1},
        {"theme": "防災教育", "hours": 5.5, "teachers": 2, "courses": 2},
        {"theme": None, "hours": 1.0, "teachers": 1, "courses": 1}]
    assert summary["hours_by_tag"] == [
        {"tag": "disaster_prevention", "label": "防災教育", "hours": 5.5, "teachers": 2,
         "courses": 2},
        {"tag": "environment", "label": "環境教育", "hours": 3.0, "teachers": 1, "courses": 1}]
    assert [t["name"] for t in summary["teachers_with_plan"]] == ["王小明", "陳大文"]
    assert summary["teachers_without_plan"] == [{"account_id": LIN, "name": "林美玲"}]
    assert {key for t in summary["teachers_with_plan"] for key in t} == {
        "account_id", "name", "hours", "courses", "updated_at"}  # names only, no national ID
    assert plans.call("get", f"{SCHOOL}/teachers", "operator").get_json()["with_plan"] == 2
    other = plans.business("get", f"/plans/{YEAR}/schools/413601/teachers",
                           unit="413601").get_json()
    assert (other["teachers"], other["with_plan"], other["school_plan_status"]) == (1, 0, "none")
    # A teacher who moves to another school is counted there from then on.
    with plans.runtime.database.session() as session:
        data, envelope = account_event(CHEN, "陳大文", "413601")
        replica.apply_teachers(session, [({**data, "version": 2}, envelope)])
    moved = plans.business("get", f"{SCHOOL}/teachers").get_json()
    assert (moved["teachers"], moved["with_plan"]) == (2, 1)


def test_the_windows_are_settings_of_the_service(plans) -> None:
    settings = plans.runtime.settings
    plans.runtime.settings = replace(settings, environ={
        **settings.environ, "COURSES_SCHOOL_PLAN_WINDOW": "08-01..08-10",
        "COURSES_TEACHER_PLAN_WINDOW": "08-11..10-15"})
    plans.runtime.__dict__.pop("components")  # built again from the new settings
    closed = problem(plans.business("put", SCHOOL, json=school_body()), 409,
                     "plan-window-closed")  # 14 August: after this school window
    assert closed["window"] == {"opens_on": "2026-08-01", "closes_on": "2026-08-10"}
    plans.clock.set(taipei(2026, 8, 10, 23, 59))
    assert plans.business("put", SCHOOL, json=school_body()).status_code == 200
    plans.clock.set(taipei(2026, 10, 15, 12, 0))
    assert teacher(plans, "put", WANG, json={"goals": ["讀書會"]}).status_code == 200
