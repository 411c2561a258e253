"""Enrolment through the HTTP API (R-CRS-4): the answers of the public contract."""
from __future__ import annotations

from courses_factory import add_course


def test_smoke(api) -> None:
    course = add_course(api.runtime.database, capacity=1)
    first = api.call("post", f"/{course}/enrolments", subject="t-1")
    assert first.status_code == 201, first.get_json()
    assert first.get_json() == {"enrolment_id": first.get_json()["enrolment_id"],
                                "course_id": course, "status": "enrolled", "arrival": 1,
                                "position": None}
    second = api.call("post", f"/{course}/enrolments", subject="t-2")
    assert second.get_json()["status"] == "waitlisted", second.get_json()
    third = api.call("post", f"/{course}/enrolments", subject="t-3")
    assert third.status_code == 409, third.get_json()
    print(third.get_json())
    again = api.call("post", f"/{course}/enrolments", subject="t-1")
    print(again.get_json())
    cancel = api.call("delete", f"/{course}/enrolments/me", subject="t-1")
    print(cancel.get_json())
    print(api.call("get", "/enrolments/me", subject="t-2").get_json())
    print(api.call("get", f"/{course}/enrolment-attempts", role="business", unit="190001").get_json())
