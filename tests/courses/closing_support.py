"""The courses service over HTTP on the embedded default (a SQLite file, kombu's in-process
bus), with tokens signed like the sso service's, a clock that stands still, and courses,
enrolments and units written straight into its tables (registration and enrolment have
their own tests)."""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from servicekit.bus.tables import outbox
from servicekit.clock import FixedClock
from servicekit.service import Runtime
from servicekit.settings import Settings
from servicekit.testing.runtimes import migrated, purge_queues
from servicekit.testing.tokens import TokenSigner
from servicekit.tokens import StaticKeySource, TokenVerifier
from services.courses.adapters.orm import courses, enrolments, teacher_replica, unit_replica
from services.courses.app import create_app

SIGNER = TokenSigner()
NOW = datetime(2026, 6, 10, 2, 0, tzinfo=UTC)  # 10 June 2026, 10:00 in Taipei
TEACHERS = [str(uuid.UUID(int=n)) for n in range(1, 8)]
# The teachers the accounts service has told this service of: all but the last, enabled
# (a walk-in must be one, R-CRS-5); TEACHERS[6] is an account courses does not know.
KNOWN_TEACHERS = TEACHERS[:6]
PROBLEM = "application/problem+json"


@dataclass
class Api:
    client: FlaskClient
    runtime: Runtime
    clock: FixedClock

    def call(self, method: str, path: str, role: str | None, *, unit: str | None = None,
             authority: str | None = None, subject: str | None = None, **kwargs: Any):
        headers = {}
        if role is not None:
            token = SIGNER.sign(subject=subject or f"{role}-1", roles=[role], unit=unit,
                                authority=authority)
            headers["Authorization"] = f"Bearer {token}"
        return getattr(self.client, method)(path, headers=headers, **kwargs)

    def business(self, method: str, path: str, unit: str = "353301", **kwargs: Any):
        return self.call(method, path, "business", unit=unit, subject=f"business-{unit}",
                         **kwargs)

    def reviewer(self, method: str, path: str, authority: str = "TPE", **kwargs: Any):
        return self.call(method, path, "reviewer", authority=authority,
                         subject=f"reviewer-{authority}", **kwargs)

    def teacher(self, method: str, path: str, n: int = 0, **kwargs: Any):
        return self.call(method, path, "teacher", subject=TEACHERS[n], **kwargs)


@pytest.fixture
def closing_api(tmp_path) -> Iterator[Api]:
    app = create_app(Settings.from_env("courses", {"DATA_DIR": str(tmp_path)}))
    runtime: Runtime = migrated(app.extensions["runtime"])
    clock = FixedClock(NOW)
    runtime.clock = clock
    purge_queues(runtime)
    known_teachers(runtime)
    settings = runtime.settings
    app.extensions["token_verifier"] = TokenVerifier(settings.token_issuer, settings.token_audience,
                                                     StaticKeySource(SIGNER.jwks))
    yield Api(app.test_client(), runtime, clock)
    purge_queues(runtime)
    runtime.database.dispose()


def a_unit(runtime: Runtime, code: str = "353301", *, unit_type: str = "senior_high_school",
           authority: str = "TPE", county: str | None = "TPE",
           name: str = "臺北市立建國高級中學") -> None:
    with runtime.database.session() as session:
        session.execute(unit_replica.insert().values(
            code=code, name=name, unit_type=unit_type, authority_code=authority,
            county_code=county, version=1, updated_at=NOW))


def known_teachers(runtime: Runtime, status: str = "enabled",
                   accounts: list[str] = KNOWN_TEACHERS) -> None:
    """Teachers in the replica, as accounts' events would have put them there."""
    with runtime.database.session() as session:
        for n, account in enumerate(accounts):
            session.execute(teacher_replica.delete().where(
                teacher_replica.c.account_id == account))
            session.execute(teacher_replica.insert().values(
                account_id=account, name=f"教師 {n}", email=None, unit_code="353301",
                status=status, version=1, updated_at=NOW))


def a_course(runtime: Runtime, n: int = 1, *, unit: str = "353301", status: str = "approved",
             ends_on: date = date(2026, 6, 5), hours: str = "6", reviewer: str = "TPE",
             class_type: str = "non_credit_class",
             enrolled: tuple[str, ...] = tuple(TEACHERS[:3])) -> str:
    course_id = str(uuid.UUID(int=1000 + n))
    with runtime.database.session() as session:
        session.execute(courses.insert().values(
            course_id=course_id, code=f"C{n:06d}", status=status, title=f"研習課程 {n}",
            unit_code=unit, organiser_account_id=f"business-{unit}", audiences=["senior_high"],
            class_type=class_type, nature="general", category="A", subcategory="A1",
            subject="A1a", time_slot="weekday_day", starts_on=ends_on, ends_on=ends_on,
            hours=hours, place="禮堂", county_code="TPE", lecturers=["講師"], capacity=40,
            enrolment_opens_at=datetime(2026, 5, 1, tzinfo=UTC),
            enrolment_closes_at=datetime(2026, 5, 20, tzinfo=UTC), organiser_accepts=False,
            fairness="first_come", series_id=None, reviewing_authority_code=reviewer,
            version=3, created_at=NOW, updated_at=NOW))
        for arrival, account in enumerate(enrolled, 1):
            session.execute(enrolments.insert().values(
                enrolment_id=str(uuid.uuid4()), course_id=course_id, account_id=account,
                status="enrolled", arrival=arrival, created_at=NOW, updated_at=NOW))
    return course_id


def course_row(runtime: Runtime, course_id: str) -> dict[str, Any]:
    with runtime.database.engine.connect() as connection:
        return dict(connection.execute(select(courses).where(
            courses.c.course_id == course_id)).one()._mapping)


def events(runtime: Runtime, event_type: str) -> list[dict[str, Any]]:
    with runtime.database.engine.connect() as connection:
        return [json.loads(body)["data"] for body in connection.scalars(
            select(outbox.c.body).where(outbox.c.event_type == event_type)
            .order_by(outbox.c.position))]


LIST = {"attendees": [{"account_id": TEACHERS[0], "hours": 6},
                      {"account_id": TEACHERS[1], "hours": 3.5},
                      {"account_id": TEACHERS[5], "hours": 2, "walk_in": True}]}


def close(api: Api, course_id: str) -> None:
    """Sends LIST and has it approved: the course is closed with its hours issued."""
    assert api.business("put", f"/{course_id}/attendance", json=LIST).status_code == 200
    answer = api.reviewer("post", f"/{course_id}/attendance/review",
                          json={"decision": "approve"})
    assert answer.status_code == 200, answer.get_json()


def problem_type(answer) -> str:
    assert answer.mimetype == PROBLEM, answer.get_data(as_text=True)
    return answer.get_json()["type"].rsplit(":", 1)[-1]
