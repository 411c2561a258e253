"""The use cases of digital-material and distance course review (R-CRS-14) on a
FakeUnitOfWork: no database, the events checked against the contract and kept only when
the work commits. What each caller sees of a round's reviews (independence), the decision
and its event, a refusal that writes nothing."""
from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from contracts.events import CATALOGUE
from contracts.events.courses import MATERIAL_DECIDED
from servicekit.clock import FixedClock
from servicekit.errors import Conflict, Forbidden, Invalid, NotFound
from servicekit.testing.fakes import FakeUnitOfWork
from servicekit.tokens import Principal
from services.courses.handlers import materials

NOW = datetime(2026, 3, 4, 17, 0, tzinfo=UTC)  # 01:00 on the 5th in Taipei
UNIVERSITY = Principal("biz-1", frozenset({"business"}), unit="NTNU01")
OTHER_UNIVERSITY = Principal("biz-2", frozenset({"business"}), unit="NCUE01")
OPERATOR = Principal("op-1", frozenset({"operator"}))
A, B, C = "acct-a", "acct-b", "acct-c"
CHOSEN = {"subject": A, "digital_learning": B, "serving_teacher": C}
FIELDS = {"title": "東南亞文化", "kind": "digital_material", "description": "影音教材",
          "hours": Decimal("2"), "subject_area": "社會", "links": []}


def reviewer(account_id: str) -> Principal:
    return Principal(account_id, frozenset({"reviewer"}))


class FakeMaterials:
    """Keeps what MaterialRepository promises: a case read is a copy; a save over a stale
    version writes nothing."""
    def __init__(self) -> None:
        self.rows: dict = {}

    def add(self, case) -> None:
        self.rows[case.case_id] = copy.deepcopy(case)

    def get(self, case_id, *, for_update=False):
        return copy.deepcopy(self.rows.get(case_id))

    def save(self, case, expected_version, *, new_round=False) -> bool:
        kept = self.rows.get(case.case_id)
        if kept is None or kept.version != expected_version:
            return False
        self.rows[case.case_id] = copy.deepcopy(case)
        return True

    def attachments(self, case_id):
        return []


class FakeUnits:
    def __init__(self, units: dict) -> None:
        self.units = units

    def unit(self, code):
        return self.units.get(code)


class FakeMaterialsWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__("courses", CATALOGUE)

    def open_repositories(self) -> None:
        self.materials = FakeMaterials()
        self.units = FakeUnits({
            "NTNU01": {"code": "NTNU01", "unit_type": "teacher_education_university"},
            "NCUE01": {"code": "NCUE01", "unit_type": "teacher_education_university"},
            "353301": {"code": "353301", "unit_type": "senior_high_school"}})


@pytest.fixture
def work() -> FakeMaterialsWork:
    return FakeMaterialsWork()


CLOCK = FixedClock(NOW)


def open_case(work) -> str:
    case = materials.submit(work, CLOCK, UNIVERSITY, dict(FIELDS))
    materials.assign(work, CLOCK, OPERATOR, case["id"], dict(CHOSEN))
    return case["id"]


def test_a_school_is_refused_and_nothing_is_written(work) -> None:
    school = Principal("biz-3", frozenset({"business"}), unit="353301")
    with pytest.raises(Forbidden) as refused:
        materials.submit(work, CLOCK, school, dict(FIELDS))
    assert refused.value.slug == "not-teacher-education-university"
    assert work.materials.rows == {} and work.rollbacks == 1


def test_what_each_sees_before_and_after_the_third_score(work) -> None:
    case_id = open_case(work)
    materials.score(work, CLOCK, reviewer(A), case_id, 95, "A 的意見")
    seen_by_b = materials.get(work, reviewer(B), case_id)["rounds"][0]
    assert seen_by_b["reviews"] == [{"role": "digital_learning", "role_label": "數位學習",
                                     "reviewer_id": B, "score": None, "comment": None,
                                     "scored_at": None}]
    assert seen_by_b["scored"] == ["subject"] and seen_by_b["mean"] is None
    assert materials.get(work, UNIVERSITY, case_id)["rounds"][0]["reviews"] == []
    staff = materials.get(work, OPERATOR, case_id)["rounds"][0]["reviews"]
    assert [(r["reviewer_id"], r["score"]) for r in staff] == [(A, 95), (B, None), (C, None)]
    assert work.recorded(MATERIAL_DECIDED) == []

    materials.score(work, CLOCK, reviewer(B), case_id, 60, "B 的意見")
    decided = materials.score(work, CLOCK, reviewer(C), case_id, 55, "C 的意見")
    # mean 70 but a score under 60: revise
    assert decided["status"] == "revise"
    seen_by_a = materials.get(work, reviewer(A), case_id)["rounds"][0]
    assert [(r["reviewer_id"], r["score"], r["comment"]) for r in seen_by_a["reviews"]] == [
        (A, 95, "A 的意見"), (None, 60, "B 的意見"), (None, 55, "C 的意見")]
    assert seen_by_a["mean"] == Decimal("70.00") and seen_by_a["result"] == "revise"
    [event] = work.recorded(MATERIAL_DECIDED)
    assert event["result"] == "revise" and event["decided_on"] == "2026-03-05"  # Taipei
    assert event["scores"] == {"subject": 95, "digital_learning": 60, "serving_teacher": 55}


def test_refusals_write_nothing(work) -> None:
    case_id = open_case(work)
    before = copy.deepcopy(work.materials.rows)
    with pytest.raises(Invalid) as out_of_range:
        materials.score(work, CLOCK, reviewer(A), case_id, 101, "x")
    assert out_of_range.value.slug == "score-out-of-range"
    with pytest.raises(NotFound):
        materials.score(work, CLOCK, reviewer("stranger"), case_id, 70, "x")
    with pytest.raises(NotFound):
        materials.get(work, OTHER_UNIVERSITY, case_id)
    # the reviewer role is needed as well as the assignment
    with pytest.raises(NotFound):
        materials.score(work, CLOCK, Principal(A, frozenset({"teacher"})), case_id, 70, "x")
    with pytest.raises(Conflict) as not_revisable:
        materials.resubmit(work, CLOCK, UNIVERSITY, case_id, {"hours": Decimal("3")})
    assert not_revisable.value.slug == "case-not-revisable"
    assert work.materials.rows == before and work.recorded(MATERIAL_DECIDED) == []


def test_a_stale_save_is_a_conflict(work) -> None:
    case_id = open_case(work)
    stale = work.materials.get(case_id)
    work.materials.rows[case_id].version += 1  # changed after the case was read
    work.materials.get = lambda *_args, **_kwargs: copy.deepcopy(stale)
    with pytest.raises(Conflict) as changed:
        materials.score(work, CLOCK, reviewer(A), case_id, 70, "x")
    assert changed.value.slug == "case-changed"
