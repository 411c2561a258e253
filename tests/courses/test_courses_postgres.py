"""On PostgreSQL (production): course codes stay unique and gap-free under concurrent
registrations (one conditional increment per year, no read-then-write), and the teachers
replica keeps the newest version of each teacher."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from courses_helpers import NOW, course_body
from sqlalchemy import select

from servicekit.clock import FixedClock
from servicekit.events import Envelope
from servicekit.service import Runtime
from servicekit.settings import Settings
from servicekit.testing.runtimes import migrated
from servicekit.tokens import Principal
from services.courses.adapters.orm import teacher_replica
from services.courses.bootstrap import DEFINITION
from services.courses.handlers import lifecycle, replica
from services.courses.routes.schemas import CourseFieldsSchema

pytestmark = pytest.mark.postgres

BUSINESS = Principal("biz-353301", frozenset({"business"}), unit="353301")


@pytest.fixture
def pg_courses(make_database, tmp_path):
    runtime = migrated(Runtime(DEFINITION, Settings.from_env("courses", {
        "MODE": "production", "DATABASE_URL": make_database("courses"),
        "DATA_DIR": str(tmp_path), "TOKEN_ISSUER": "https://inservice.test",
        "JWKS_URL": "http://127.0.0.1:9/jwks.json"}), FixedClock(NOW)))
    yield runtime
    runtime.database.dispose()


def test_concurrent_registrations_never_share_a_code(pg_courses: Runtime) -> None:
    fields = CourseFieldsSchema().load(course_body())

    def register(_n: int) -> str:
        return lifecycle.register(pg_courses.components.uow(), pg_courses.clock, BUSINESS,
                                  dict(fields))["code"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(register, range(40)))
    assert sorted(codes) == [f"2026-{n:06d}" for n in range(1, 41)]


def account_event(version: int, name: str, kind: str = "teacher", school: str = "353301"):
    data = {"account_id": "5a1f3c1e-0000-4000-8000-000000000001", "login": "teacher00001",
            "kind": kind, "status": "enabled", "display_name": name,
            "email": "t1@school.example", "unit_code": school, "authority_code": None,
            "county_code": "TPE", "version": version}
    return data, Envelope(type="accounts.account.updated.v1", source="accounts",
                          correlation_id="test", data=data)


def test_the_teachers_replica_keeps_the_newest_and_only_teachers(pg_courses: Runtime) -> None:
    with pg_courses.database.session() as session:
        replica.apply_teachers(session, [account_event(2, "陳怡君", school="193601"),
                                         account_event(1, "舊名字")])
        replica.apply_teachers(session, [
            ({**account_event(1, "業務")[0], "account_id": "5a1f3c1e-0000-4000-8000-000000000002",
              "kind": "business"}, account_event(1, "業務")[1])])
    with pg_courses.database.session() as session:
        rows = session.execute(select(teacher_replica)).all()
    assert [(r.name, r.unit_code, r.email, r.status, r.version) for r in rows] == \
        [("陳怡君", "193601", "t1@school.example", "enabled", 2)]
    assert rows[0].updated_at.tzinfo is not None
    assert rows[0].updated_at <= datetime.now(UTC)
