"""Handlers raise application errors with no word of HTTP; the kit's one mapping turns
each kind into problem+json at the edge (issue: the house, point 2)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from servicekit import errors
from servicekit.clock import FixedClock
from servicekit.problems import install_problem_handlers

KINDS = [
    (errors.BadRequest("unreadable", "Cannot read"), 400),
    (errors.Unauthenticated("who are you"), 401),
    (errors.Forbidden("not yours"), 403),
    (errors.NotFound("no course 7"), 404),
    (errors.Conflict("course-full", "The course is full", "40 of 40", capacity=40), 409),
    (errors.TooLarge("attachment-too-large", "Too large", limit=10), 413),
    (errors.UnsupportedMedia("unsupported-file-type", "Not a format read here",
                             accepted=[".csv", ".xlsx"]), 415),
    (errors.Invalid("hours-above-course", "Too many hours", field="hours"), 422),
    (errors.LimitReached("lookup-quota-exceeded", "Quota", retry_after=60), 429),
    (errors.Unavailable("county-unavailable", "The county does not answer"), 503),
    (errors.ApplicationError("unmapped", "A kind nobody mapped"), 500),
]


def app_raising(error: Exception) -> Flask:
    app = Flask("t")
    install_problem_handlers(app)

    @app.get("/x")
    def view():
        raise error

    return app


@pytest.mark.parametrize(("error", "status"), KINDS)
def test_each_kind_answers_its_status_with_slug_and_facts(error, status) -> None:
    answer = app_raising(error).test_client().get("/x")
    assert answer.status_code == status
    assert answer.mimetype == "application/problem+json"
    body = answer.get_json()
    assert body["type"] == f"urn:inservice:problem:{error.slug}"
    assert body["title"] == error.title
    assert body["status"] == status
    assert body["instance"] == "/x"
    for name, value in error.facts.items():
        assert body[name] == value


def test_retry_after_and_authenticate_headers() -> None:
    limited = app_raising(errors.LimitReached("locked", "Locked", retry_after=30))
    assert limited.test_client().get("/x").headers["Retry-After"] == "30"
    anonymous = app_raising(errors.Unauthenticated("no token")).test_client().get("/x")
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_fixed_clock_moves_only_when_told() -> None:
    start = datetime(2027, 4, 1, 16, 0, tzinfo=UTC)
    clock = FixedClock(start)
    assert clock.now() == start
    assert clock.advance(minutes=5) == start + timedelta(minutes=5)
    with pytest.raises(ValueError, match="aware"):
        FixedClock(datetime(2027, 4, 1))  # noqa: DTZ001 -- the naive moment under test


def test_a_fact_may_not_take_a_member_every_answer_has() -> None:
    with pytest.raises(TypeError, match="status"):
        errors.Conflict("course-locked", "Locked", status="closed")
