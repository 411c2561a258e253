"""A closed course whose title an approved amendment changed (R-CRS-6) is found by its new
title in the catalogue (R-CRS-9), not by the old one."""
from __future__ import annotations

from datetime import date, time

from closing_support import TEACHERS, a_course, a_unit, close
from sqlalchemy import insert

from services.courses.adapters.orm import course_meetings


def test_an_amended_title_is_searched_by_its_new_words(closing_api) -> None:
    a_unit(closing_api.runtime)
    course_id = a_course(closing_api.runtime)
    with closing_api.runtime.database.session() as session:  # as registration writes it
        session.execute(insert(course_meetings).values(
            course_id=course_id, position=0, meets_on=date(2026, 6, 5), starts_at=time(9),
            ends_at=time(16)))
    close(closing_api, course_id)
    asked = closing_api.business("post", f"/{course_id}/amendments", json={
        "changes": {"title": "海洋教育增能研習",
                    "attendees": [{"account_id": TEACHERS[1], "hours": 4}]},
        "reason": "名稱誤植"}).get_json()
    decided = closing_api.reviewer("post", f"/amendments/{asked['amendment_id']}/decision",
                                   json={"decision": "approve", "reference": "北市教研字第1號"})
    assert decided.status_code == 200, decided.get_json()

    def found(q: str) -> list[str]:
        answer = closing_api.call("get", f"/?include_past=true&q={q}", None)
        assert answer.status_code == 200, answer.get_json()
        return [item["id"] for item in answer.get_json()["items"]]

    assert found("海洋") == [course_id]
    assert found("增能研習") == [course_id]
    assert found("課程") == []
