"""What the caller may not see does not exist (REQUIREMENTS "Actors and roles", issue 10's
"Bad input"): on every route that names a course — registration and review, attachments,
enrolment, closing and amendments — another unit's course asked for by a business account,
another authority's course asked for by a reviewer, and a draft asked for by a teacher or
anonymously answer 404 with the body of a course that does not exist (no 403 that tells
the course is there). Each case is the attacker's request, sent once at the real course
and once at an id nobody has; the two answers must be the same but for the id."""
from __future__ import annotations

import io
import json
import uuid
from typing import Any

import pytest
from closing_support import LIST, NOW, a_course, a_unit, close, course_row, known_teachers

MISSING = str(uuid.UUID(int=999_999))
SOME_ID = str(uuid.UUID(int=777_777))  # an attachment or enrolment id

OTHER_UNIT = {"role": "business", "unit": "413601", "subject": "business-413601"}
OTHER_AUTHORITY = {"role": "reviewer", "authority": "TXG", "subject": "reviewer-TXG"}
TEACHER = {"role": "teacher", "subject": "00000000-0000-0000-0000-000000000001"}
ANONYMOUS: dict[str, Any] = {"role": None}


def _pdf() -> dict[str, Any]:
    return {"data": {"kind": "other", "file": (io.BytesIO(b"%PDF-1.7\n" + b"0" * 50), "a.pdf")},
            "content_type": "multipart/form-data"}


# Each route that reads or changes one course: (method, path after the course id, body).
ORGANISER_ROUTES = [
    ("patch", "", {"json": {"title": "x"}}),
    ("post", "/submission", {}),
    ("post", "/attachments", "pdf"),
    ("get", "/enrolments", {}),
    ("get", "/enrolment-attempts", {}),
    ("post", f"/enrolments/{SOME_ID}/decision", {"json": {"decision": "accept"}}),
    ("put", "/attendance", {"json": LIST}),
    ("get", "/attendance", {}),
    ("post", "/amendments", {"json": {"changes": {"title": "x"}, "reason": "x"}}),
]
READER_ROUTES = [
    ("get", "", {}),
    ("get", f"/attachments/{SOME_ID}", {}),
    ("get", "/lottery", {}),
]
# A published course is anyone's to read; deciding on it and its list stays its reviewers'.
REVIEWER_ROUTES = [
    ("post", "/review", {"json": {"decision": "approve"}}),
    ("get", "/attendance", {}),
    ("post", "/attendance/review", {"json": {"decision": "approve"}}),
]
TEACHER_ROUTES = [
    *READER_ROUTES,
    ("post", "/enrolments", {}),
    ("delete", "/enrolments/me", {}),
]

CASES = [
    # another unit's business account: drafts, published, closed alike
    *[(OTHER_UNIT, status, route) for status in ("draft", "approved", "closed")
      for route in ORGANISER_ROUTES],
    *[(OTHER_UNIT, "draft", route) for route in READER_ROUTES],
    # a reviewer of another authority: before and after the course is published
    *[(OTHER_AUTHORITY, "submitted", route) for route in [*READER_ROUTES, *REVIEWER_ROUTES]],
    *[(OTHER_AUTHORITY, status, route) for status in ("approved", "attendance_submitted")
      for route in REVIEWER_ROUTES],
    # a teacher, and nobody signed in, on a course not published
    *[(TEACHER, status, route) for status in ("draft", "submitted") for route in TEACHER_ROUTES],
    *[(ANONYMOUS, status, route) for status in ("draft", "submitted") for route in READER_ROUTES],
]


def _courses(api) -> dict[str, str]:
    """One course of 353301 (reviewed by TPE) in each state the cases name."""
    a_unit(api.runtime)
    known_teachers(api.runtime)
    found = {"draft": a_course(api.runtime, 1, status="draft", reviewer=None),
             "submitted": a_course(api.runtime, 2, status="submitted"),
             "approved": a_course(api.runtime, 3),
             "attendance_submitted": a_course(api.runtime, 4),
             "closed": a_course(api.runtime, 5)}
    assert api.business("put", f"/{found['attendance_submitted']}/attendance",
                        json=LIST).status_code == 200
    close(api, found["closed"])
    return found


def _ask(api, who: dict[str, Any], course_id: str, method: str, tail: str, extra: Any):
    kwargs = _pdf() if extra == "pdf" else dict(extra)
    return api.call(method, f"/{course_id}{tail}", who["role"], unit=who.get("unit"),
                    authority=who.get("authority"), subject=who.get("subject"), **kwargs)


def _body(answer, course_id: str) -> dict[str, Any]:
    body = answer.get_json()
    body.pop("instance", None)  # the path asked, which names the id
    return json.loads(json.dumps(body, ensure_ascii=False).replace(course_id, "<id>"))


@pytest.fixture
def world(closing_api):
    return closing_api, _courses(closing_api)


def test_the_attackers_requests_answer_as_for_no_course(world) -> None:
    api, courses = world
    assert api.clock.now() == NOW
    seen = []
    for who, status, (method, tail, extra) in CASES:
        course_id = courses[status]
        real = _ask(api, who, course_id, method, tail, extra)
        missing = _ask(api, who, MISSING, method, tail, extra)
        case = f"{who.get('subject') or 'anonymous'} {method.upper()} <{status}>{tail}"
        assert real.status_code == 404, (case, real.status_code, real.get_json())
        assert _body(real, course_id) == _body(missing, MISSING), case
        assert _body(real, course_id)["type"] == "urn:inservice:problem:course-not-found", case
        seen.append(case)
    assert len(seen) == len(CASES)
    # nothing the attackers sent was written
    assert {status: (course_row(api.runtime, course_id)["status"],
                     course_row(api.runtime, course_id)["title"])
            for status, course_id in courses.items()} == {
        status: (status, f"研習課程 {n}") for n, status in enumerate(courses, 1)}


def test_the_rightful_callers_still_reach_the_same_routes(world) -> None:
    """The attackers' 404s are not every caller's: the same routes answer their owners."""
    api, courses = world
    upload = api.business("post", f"/{courses['draft']}/attachments", **_pdf())
    assert upload.status_code == 201, upload.get_json()
    assert api.business("get", f"/{courses['draft']}/attachments/{upload.get_json()['id']}"
                        ).status_code == 200
    assert api.business("get", f"/{courses['approved']}/enrolments").status_code == 200
    assert api.business("get", f"/{courses['closed']}/attendance").status_code == 200
    assert api.reviewer("get", f"/{courses['attendance_submitted']}/attendance").status_code == 200
    lottery = api.call("get", f"/{courses['approved']}/lottery", None)  # found: no lottery
    assert (lottery.status_code, lottery.get_json()["type"]) == \
        (404, "urn:inservice:problem:no-lottery")
