"""What the catalogue tells the statistics (R-CRS-8, R-CRS-10, R-STA-5): a course published
with its tags and meeting names, and an operator's change of a policy tag, each recorded
with the change that causes it."""
from __future__ import annotations

import json
from datetime import date

from courses_helpers import FIRST_DAY, course_body
from sqlalchemy import select

from servicekit.bus.outbox import outbox


def recorded(api, event_type: str) -> list[dict]:
    with api.runtime.database.engine.connect() as connection:
        return [json.loads(body)["data"] for body in connection.scalars(
            select(outbox.c.body).where(outbox.c.event_type == event_type)
            .order_by(outbox.c.position))]


def test_an_approved_course_is_published_with_its_tags(api) -> None:
    body = course_body(title="115學年度校務會議", tags=["safety", "gender_equity"])
    course = api.business("post", "/", json=body).get_json()
    assert api.business("post", f"/{course['id']}/submission").status_code == 200
    assert recorded(api, "courses.course.published.v1") == []  # not before approval
    answer = api.reviewer("post", f"/{course['id']}/review", json={"decision": "approve"})
    assert answer.status_code == 200, answer.get_json()
    [published] = recorded(api, "courses.course.published.v1")
    assert published == {
        "course_id": course["id"], "code": course["code"], "unit_code": "353301",
        "county_code": "TPE", "category": "teaching", "reviewing_authority_code": "TPE",
        "tags": ["gender_equity", "safety"], "starts_on": FIRST_DAY.isoformat(),
        "ends_on": "2026-03-27", "published_on": "2026-03-04",
        "meeting_keywords": ["校務會議"], "meeting_only": True, "version": 3}


def test_a_returned_course_is_not_published(api) -> None:
    course = api.business("post", "/", json=course_body()).get_json()
    api.business("post", f"/{course['id']}/submission")
    api.reviewer("post", f"/{course['id']}/review", json={"decision": "return",
                                                         "reasons": ["A"]})
    assert recorded(api, "courses.course.published.v1") == []


def test_an_operators_tag_change_is_told(api) -> None:
    answer = api.call("put", "/vocabularies/tag/marine", "operator", json={
        "label": "海洋教育", "short_label": "[海洋教育]", "basis": "海洋教育政策白皮書",
        "added_on": "2026-03-01"})
    assert answer.status_code == 201, answer.get_json()
    api.call("put", "/vocabularies/time_slot/night", "operator", json={"label": "深夜"})
    [changed] = recorded(api, "courses.tag.changed.v1")
    assert changed["code"] == "marine" and changed["basis"] == "海洋教育政策白皮書"
    assert changed["added_on"] == date(2026, 3, 1).isoformat() and changed["active"] is True
    # and a course carries the new tag, found by it
    course = api.business("post", "/", json=course_body(tags=["marine"])).get_json()
    assert course["tags"] == ["marine"]
