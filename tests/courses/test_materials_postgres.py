"""Digital-material and distance course review (R-CRS-14) on PostgreSQL (production): the
last two scores of a round arriving at the same instant decide it exactly once (the case's
row is held while a score is written, so the second sees the first), and what each round
reviewed is kept."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from courses_helpers import NOW
from sqlalchemy import select

from servicekit.bus.outbox import outbox
from servicekit.clock import FixedClock
from servicekit.events import Envelope
from servicekit.service import Runtime
from servicekit.settings import Settings
from servicekit.testing.runtimes import migrated
from servicekit.tokens import Principal
from services.courses.bootstrap import DEFINITION
from services.courses.handlers import materials, replica

pytestmark = pytest.mark.postgres

UNIVERSITY = Principal("biz-ntnu", frozenset({"business"}), unit="NTNU01")
OPERATOR = Principal("operator-1", frozenset({"operator"}))
IDS = [f"5d0f6b1e-0000-4000-8000-00000000000{n}" for n in (1, 2, 3)]
ROLES = ("subject", "digital_learning", "serving_teacher")


@pytest.fixture
def pg_materials(make_database, tmp_path):
    runtime = migrated(Runtime(DEFINITION, Settings.from_env("courses", {
        "MODE": "production", "DATABASE_URL": make_database("courses"),
        "DATA_DIR": str(tmp_path), "TOKEN_ISSUER": "https://inservice.test",
        "JWKS_URL": "http://127.0.0.1:9/jwks.json"}), FixedClock(NOW)))
    data = {"unit_code": "NTNU01", "name": "國立臺灣師範大學",
            "unit_type": "teacher_education_university", "authority_code": "K12EA",
            "county_code": None, "version": 1}
    with runtime.database.session() as session:
        replica.apply_units(session, [(data, Envelope(
            type="accounts.unit.registered.v1", source="accounts", correlation_id="t",
            data=data))])
    yield runtime
    runtime.database.dispose()


def reviewer(account_id: str) -> Principal:
    return Principal(account_id, frozenset({"reviewer"}))


@pytest.mark.parametrize("attempt", range(3))
def test_the_last_two_scores_at_once_decide_the_round_once(pg_materials: Runtime,
                                                           attempt: int) -> None:
    parts, clock = pg_materials.components, pg_materials.clock
    case = materials.submit(parts.materials(), clock, UNIVERSITY, {
        "title": "多元文化教育", "kind": "distance", "description": "線上同步課程",
        "hours": Decimal("3.5"), "subject_area": "多元文化教育", "links": []})
    materials.assign(parts.materials(), clock, OPERATOR, case["id"], dict(zip(ROLES, IDS,
                                                                                strict=True)))
    materials.score(parts.materials(), clock, reviewer(IDS[0]), case["id"], 90, "佳")
    start = threading.Barrier(2)

    def last(account_id: str) -> str:
        start.wait()
        return materials.score(parts.materials(), clock, reviewer(account_id), case["id"],
                               80, "可")["status"]

    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(last, IDS[1:]))
    assert statuses == ["in_review", "passed"]
    with pg_materials.database.engine.connect() as connection:
        decided = connection.scalars(select(outbox.c.body).where(
            outbox.c.event_type == "courses.material.decided.v1")).all()
    assert len(decided) == 1
    seen = materials.get(parts.materials(), OPERATOR, case["id"])
    assert seen["status"] == "passed" and seen["hours"] == Decimal("3.5")
    assert [r["score"] for r in seen["rounds"][0]["reviews"]] == [90, 80, 80]
