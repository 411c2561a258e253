"""A backfill gives the figures the live events gave (issue 13, item 1): courses' history
made through its own use cases (registered, one titled only a meeting's name; submitted,
returned and submitted again,
approved, teachers enrolled, the attendee list sent and approved, hours issued) is fed to
one stats as it was published live, and announced again by ``announce-history`` into
another; every report reads the same. A second announcement publishes the same event ids
(the consumers' inboxes skip them) and records nothing new while the outbox holds them.

What courses does not keep is told at its last moment (a course submitted twice, an
attendee list sent twice): here the second submission is on the day of the first, so the
figures are the same; services/courses/README.md says so."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select
from stats_support import Stats, authority, started, unit

from contracts.events.courses import COURSE_REGISTERED, COURSE_REGISTERED_V2, COURSE_SUBMITTED
from servicekit.bus.tables import outbox
from servicekit.clock import FixedClock
from servicekit.events import Envelope
from servicekit.service import Runtime
from servicekit.settings import Settings
from servicekit.testing.runtimes import migrated, purge_queues
from servicekit.testing.tokens import TokenSigner
from servicekit.tokens import StaticKeySource, TokenVerifier
from services.courses.app import create_app
from services.courses.handlers import replica
from services.courses.handlers.history import announce_history
from services.stats.handlers.intake import APPLIERS
from tests.courses.closing_support import LIST, TEACHERS, known_teachers
from tests.courses.courses_helpers import NOW, course_body, unit_events

SIGNER = TokenSigner()
REPORTS = ("/reports/areas?by=unit&from=2026-01&to=2026-06",
           "/reports/areas?by=county&from=2026-01&to=2026-06",
           "/reports/enrolments?from=2026-01&to=2026-06",
           "/reports/courses-registered?from=2026-01&to=2026-06",
           "/reports/reviews?period=day&from=2026-03-01&to=2026-03-31",
           "/reports/courses-held?from=2026-01&to=2026-06",
           "/reports/yearbook?from=2026&to=2026",
           "/reports/tags?from=2026-01&to=2026-06",
           "/reports/meeting-keywords?from=2026-01&to=2026-06")


class Courses:
    def __init__(self, tmp_path) -> None:
        self.clock = FixedClock(NOW)
        app = create_app(Settings.from_env("courses", {"DATA_DIR": str(tmp_path)}))
        self.runtime: Runtime = app.extensions["runtime"]
        self.runtime.clock = self.clock
        migrated(self.runtime)
        purge_queues(self.runtime)
        with self.runtime.database.session() as session:
            replica.apply_units(session, unit_events())
        known_teachers(self.runtime)
        settings = self.runtime.settings
        app.extensions["token_verifier"] = TokenVerifier(
            settings.token_issuer, settings.token_audience, StaticKeySource(SIGNER.jwks))
        self.client = app.test_client()

    def call(self, method: str, path: str, role: str, expect: int = 200, **who_and_body):
        body = who_and_body.pop("json", None)
        token = SIGNER.sign(roles=[role], **{"subject": f"{role}-1", **who_and_body})
        answer = getattr(self.client, method)(path, json=body,
                                              headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == expect, answer.get_json()
        return answer.get_json()

    def outbox(self) -> list[Envelope]:
        with self.runtime.database.engine.connect() as connection:
            return [Envelope.from_json(body) for body in connection.scalars(
                select(outbox.c.body).order_by(outbox.c.position))]


@pytest.fixture
def courses(tmp_path, monkeypatch) -> Iterator[Courses]:
    made = Courses(tmp_path / "courses")
    # An event is recorded at the moment of the use case: in production the wall clock both
    # read; here the use cases run on a fixed clock, so the envelopes read it too.
    monkeypatch.setattr("servicekit.bus.outbox.Envelope",
                        lambda **fields: Envelope(time=made.clock.now(), **fields))
    yield made
    purge_queues(made.runtime)
    made.runtime.database.dispose()


def a_history(courses: Courses) -> None:
    business = {"unit": "353301", "subject": "business-353301"}
    first = courses.call("post", "/", "business", 201, json=course_body(), **business)["id"]
    second = courses.call("post", "/", "business", 201, json=course_body(
        title="校務會議暨防災教育研習", hours=3, tags=[]), **business)["id"]
    other = courses.call("post", "/", "business", 201, json=course_body(
        title="114學年度第2學期期初校務會議"), unit="193601", subject="business-193601")["id"]
    courses.clock.advance(hours=2)
    for course in (first, second):
        courses.call("post", f"/{course}/submission", "business", **business)
    courses.call("post", f"/{other}/submission", "business", unit="193601",
                 subject="business-193601")
    courses.clock.advance(hours=3)
    reviewer = {"authority": "TPE", "subject": "reviewer-TPE"}
    courses.call("post", f"/{second}/review", "reviewer", **reviewer,
                 json={"decision": "return", "reasons": ["A"], "comment": "請補正"})
    courses.call("post", f"/{second}/submission", "business", **business)
    for course in (first, second):
        courses.call("post", f"/{course}/review", "reviewer", **reviewer,
                     json={"decision": "approve"})
    courses.clock.set(datetime(2026, 3, 9, 3, 0, tzinfo=UTC))  # the window is open
    for teacher in TEACHERS[:3]:
        courses.call("post", f"/{first}/enrolments", "teacher", 201, subject=teacher)
    courses.call("post", f"/{second}/enrolments", "teacher", 201, subject=TEACHERS[0])
    courses.clock.set(datetime(2026, 3, 28, 8, 0, tzinfo=UTC))  # the last meeting is over
    courses.call("put", f"/{first}/attendance", "business", json=LIST, **business)
    courses.clock.advance(days=1)
    courses.call("post", f"/{first}/attendance/review", "reviewer", **reviewer,
                 json={"decision": "approve"})


def stats_fed(tmp_path, name: str, events: list[Envelope]) -> Iterator[Stats]:
    for stats in started(tmp_path / name):
        stats.clock.set(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
        stats.feed(authority("TPE", "臺北市政府教育局", "TPE"),
                   authority("TXG", "臺中市政府教育局", "TXG"),
                   unit("353301", "TPE", "TPE"), unit("413601", "TPE", "TPE"),
                   unit("193601", "TXG", "TXG"))
        stats.feed(*(e for e in events if e.type in APPLIERS))  # what stats subscribes to
        yield stats


def test_stats_from_a_backfill_equals_stats_fed_live(courses: Courses, tmp_path) -> None:
    a_history(courses)
    live = courses.outbox()
    assert {COURSE_REGISTERED, COURSE_REGISTERED_V2} <= {e.type for e in live}
    counts = announce_history(courses.runtime.database, courses.runtime.outbox, batch=2)
    assert counts == {"courses": 3, "registered": 3, "submitted": 3, "reviewed": 3,
                      "enrolments": 4, "lists_sent": 1, "lists_reviewed": 1, "hours_issued": 3}
    announced = courses.outbox()[len(live):]
    assert not {COURSE_REGISTERED, COURSE_SUBMITTED} & {e.type for e in announced}  # v2 only
    # The original moments, not the moment of the announcement.
    assert min(e.time for e in announced) < courses.clock.now() - timedelta(days=10)
    for live_stats in stats_fed(tmp_path, "live", live):
        for backfilled in stats_fed(tmp_path, "backfill", announced):
            for url in REPORTS:
                assert backfilled.report(url) == live_stats.report(url), url
            areas = backfilled.report(REPORTS[0])
            by_unit = {row["key"]: row["values"] for row in areas["rows"]}
            assert by_unit["353301"]["course_hours"] == 6.5 + 3
            assert by_unit["353301"]["teacher_hours"] == 6 + 3.5 + 2
            assert by_unit["193601"]["courses_registered"] == 1
            meetings = backfilled.report(REPORTS[-1])["rows"]
            assert [(row["key"], row["values"]) for row in meetings] == [
                ("校務會議", {"meeting_keyword_courses": 2, "meeting_only_courses": 1})]


def test_a_second_announcement_tells_the_same_ids(courses: Courses) -> None:
    a_history(courses)
    database, before = courses.runtime.database, len(courses.outbox())
    announce_history(database, courses.runtime.outbox)
    first = {e.id: e for e in courses.outbox()[before:]}
    announce_history(database, courses.runtime.outbox)  # the outbox holds them: nothing new
    assert len(courses.outbox()) == before + len(first)
    with database.session() as session:  # relayed and tidied away: told again, same ids
        session.execute(delete(outbox).where(outbox.c.event_id.in_(list(first))))
    announce_history(database, courses.runtime.outbox)
    again = {e.id: e for e in courses.outbox()[before:]}
    assert set(again) == set(first)
    assert all(again[i].time == first[i].time and again[i].data == first[i].data for i in first)
    with database.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(outbox)) == before + len(first)
