"""Closing wired into registration (R-CRS-6, R-CRS-7): a red light refuses submission from
the enforcement date and lifts itself below 5; before that date it lets the course through;
a closed course refuses the lifecycle's edits with ``course-locked``."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from closing_support import a_course, close, known_teachers, problem_type
from courses_helpers import course_body
from sqlalchemy import update

from services.courses.adapters.orm import courses


def five_overdue(api) -> list[str]:
    """Five approved courses of 353301 that ended in January: hours long overdue on 4 March."""
    return [a_course(api.runtime, n, ends_on=date(2026, 1, n)) for n in range(1, 6)]


def a_draft(api) -> str:
    answer = api.business("post", "/", json=course_body())
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["id"]


def test_red_blocks_submission_and_lifts_itself_below_five(api) -> None:
    overdue = five_overdue(api)
    draft = a_draft(api)
    refused = api.business("post", f"/{draft}/submission")
    assert (refused.status_code, problem_type(refused)) == (409, "unit-light-red")
    assert (refused.get_json()["overdue"], refused.get_json()["unit_code"]) == (5, "353301")
    light = api.business("get", "/units/353301/light").get_json()
    assert (light["light"], light["overdue_count"], light["blocks_submission"]) == ("red", 5, True)
    with api.runtime.database.session() as session:  # one of them has its hours issued
        session.execute(update(courses).where(courses.c.course_id == overdue[0])
                        .values(status="closed"))
    assert api.business("post", f"/{draft}/submission").get_json()["status"] == "submitted"


def test_before_the_enforcement_date_red_only_warns(api) -> None:
    """The submission goes through, and its answer tells the organiser why to hurry."""
    green = a_draft(api)
    assert api.business("post", f"/{green}/submission").get_json()["warnings"] == []
    five_overdue(api)
    draft = a_draft(api)
    settings = api.runtime.settings
    api.runtime.settings = replace(settings, environ={
        **settings.environ, "COURSES_LIGHT_ENFORCED_FROM": "2026-11-01"})
    api.runtime.__dict__.pop("components")  # built again from the new setting
    answer = api.business("post", f"/{draft}/submission").get_json()
    assert answer["status"] == "submitted"
    [warning] = answer["warnings"]
    assert (warning["type"], warning["light"], warning["overdue"], warning["enforced_from"]) == \
        ("urn:inservice:problem:unit-light-red", "red", 5, "2026-11-01")
    assert "2026-11-01" in warning["detail"]
    light = api.business("get", "/units/353301/light").get_json()
    assert (light["light"], light["blocks_submission"], light["enforced_from"]) == \
        ("red", False, "2026-11-01")


def test_a_closed_course_refuses_the_lifecycles_edits(api) -> None:
    course_id = a_course(api.runtime, ends_on=date(2026, 3, 1), reviewer="TPE")
    known_teachers(api.runtime)  # the list's walk-in is a teacher accounts told of
    close(api, course_id)
    edit = api.business("patch", f"/{course_id}", json={"place": "線上"})
    assert (edit.status_code, problem_type(edit)) == (409, "course-locked")
