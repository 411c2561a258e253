"""Enrolment use cases on an in-memory unit of work (R-CRS-4): seats, the waiting list,
the refusals with their arrival numbers, cancelling and promotion, the organiser's
decision, one session per series, and the lottery with its published seed."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fake_enrolments import FakeEnrolmentUnitOfWork

from contracts.events.courses import (
    ENROLMENT_CANCELLED,
    ENROLMENT_DECIDED,
    ENROLMENT_DRAWN,
    ENROLMENT_PROMOTED,
    ENROLMENT_RECORDED,
    LOTTERY_DRAWN,
    LOTTERY_OPENED,
)
from servicekit.clock import FixedClock
from servicekit.errors import Conflict, NotFound
from services.courses.domain.enrolment import EnrolmentCourse, draw, draw_key, seed_digest
from services.courses.handlers import enrolments, lottery

OPENS = datetime(2026, 4, 1, tzinfo=UTC)
CLOSES = OPENS + timedelta(days=7)


def course(course_id: str = "c1", capacity: int = 2, **overrides) -> EnrolmentCourse:
    values = {"course_id": course_id, "code": f"CODE-{course_id}", "title": "閱讀工作坊",
              "status": "approved", "unit_code": "190001", "capacity": capacity,
              "opens_at": OPENS, "closes_at": CLOSES, "organiser_accepts": False,
              "fairness": "first_come", "series_id": None, "one_session_per_teacher": False,
              "starts_on": date(2026, 5, 1)}
    values.update(overrides)
    return EnrolmentCourse(**values)


@pytest.fixture
def uow() -> FakeEnrolmentUnitOfWork:
    return FakeEnrolmentUnitOfWork()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(OPENS + timedelta(seconds=1))


def refusal(uow, clock, course_id: str, account_id: str) -> Conflict:
    with pytest.raises(Conflict) as caught:
        enrolments.enrol(uow, clock, course_id, account_id)
    return caught.value


def test_seats_then_the_waiting_list_in_order_then_course_full(uow, clock) -> None:
    uow.enrolments.add_course(course(capacity=2))
    placed = [enrolments.enrol(uow, clock, "c1", f"t{n}") for n in range(1, 5)]
    assert [(p.status, p.arrival, p.position) for p in placed] == [
        ("enrolled", 1, None), ("enrolled", 2, None), ("waitlisted", 3, 1), ("waitlisted", 4, 2)]
    full = refusal(uow, clock, "c1", "t5")
    assert (full.slug, full.facts["arrival"]) == ("course-full", 5)
    assert uow.enrolments.counts("c1") == (2, 2)
    assert [(a["arrival"], a["account_id"], a["outcome"]) for a in uow.enrolments.attempts("c1")] \
        == [(1, "t1", "enrolled"), (2, "t2", "enrolled"), (3, "t3", "waitlisted"),
            (4, "t4", "waitlisted"), (5, "t5", "course-full")]
    assert [e["status"] for e in uow.recorded(ENROLMENT_RECORDED)] == \
        ["enrolled", "enrolled", "waitlisted", "waitlisted"]  # a refusal publishes nothing


def test_outside_the_window_every_attempt_is_refused_and_kept(uow, clock) -> None:
    uow.enrolments.add_course(course())
    clock.set(OPENS - timedelta(seconds=1))
    early = refusal(uow, clock, "c1", "t1")
    clock.set(CLOSES)
    late = refusal(uow, clock, "c1", "t1")
    assert (early.slug, early.facts["arrival"], late.slug, late.facts["arrival"]) == \
        ("enrolment-closed", 1, "enrolment-closed", 2)
    assert early.facts["opens_at"] == OPENS.isoformat()
    assert [a["outcome"] for a in uow.enrolments.attempts("c1")] == ["enrolment-closed"] * 2
    assert uow.enrolments.of_course("c1") == []


def test_only_approved_courses_take_enrolments(uow, clock) -> None:
    uow.enrolments.add_course(course(status="submitted"))
    with pytest.raises(NotFound):
        enrolments.enrol(uow, clock, "c1", "t1")
    with pytest.raises(NotFound):
        enrolments.enrol(uow, clock, "nothing", "t1")


def test_twice_is_already_enrolled_and_a_cancelled_teacher_may_come_back(uow, clock) -> None:
    uow.enrolments.add_course(course())
    first = enrolments.enrol(uow, clock, "c1", "t1")
    again = refusal(uow, clock, "c1", "t1")
    assert (again.slug, again.facts) == ("already-enrolled",
                                         {"arrival": 2, "enrolment_status": "enrolled"})
    enrolments.cancel(uow, clock, "c1", "t1")
    back = enrolments.enrol(uow, clock, "c1", "t1")
    assert (back.enrolment_id, back.status, back.arrival) == (first.enrolment_id, "enrolled", 3)


def test_one_session_of_a_series_per_teacher(uow, clock) -> None:
    for session in ("s1", "s2"):
        uow.enrolments.add_course(course(session, series_id="series",
                                         one_session_per_teacher=True))
    uow.enrolments.add_course(course("free1", series_id="open-series"))
    uow.enrolments.add_course(course("free2", series_id="open-series"))
    enrolments.enrol(uow, clock, "s1", "t1")
    duplicate = refusal(uow, clock, "s2", "t1")
    assert (duplicate.slug, duplicate.facts) == ("duplicate-session",
                                                 {"arrival": 1, "held_course_id": "s1"})
    enrolments.cancel(uow, clock, "s1", "t1")
    assert enrolments.enrol(uow, clock, "s2", "t1").status == "enrolled"
    # a series that does not say so lets a teacher take every session
    enrolments.enrol(uow, clock, "free1", "t1")
    assert enrolments.enrol(uow, clock, "free2", "t1").status == "enrolled"


def test_a_cancelled_seat_goes_to_the_head_of_the_waiting_list_who_is_told(uow, clock) -> None:
    uow.enrolments.add_course(course(capacity=2))
    for teacher in ("t1", "t2", "t3", "t4"):
        enrolments.enrol(uow, clock, "c1", teacher)
    enrolments.cancel(uow, clock, "c1", "t3")  # a waiting teacher leaves: nobody moves up
    assert uow.recorded(ENROLMENT_PROMOTED) == []
    assert enrolments.enrol(uow, clock, "c1", "t5").position == 2  # behind t4
    enrolments.cancel(uow, clock, "c1", "t1")
    assert {e.account_id: e.status for e in uow.enrolments.of_course("c1")} == \
        {"t1": "cancelled", "t2": "enrolled", "t3": "cancelled", "t4": "enrolled",
         "t5": "waitlisted"}
    assert [(p["account_id"], p["status"]) for p in uow.recorded(ENROLMENT_PROMOTED)] == \
        [("t4", "enrolled")]
    assert uow.enrolments.mails == [("t4", "promoted")]
    assert uow.enrolments.counts("c1") == (2, 1)
    assert [c["previous_status"] for c in uow.recorded(ENROLMENT_CANCELLED)] == \
        ["waitlisted", "enrolled"]
    assert [m["position"] for m in enrolments.my_enrolments(uow, "t5")] == [1]
    with pytest.raises(NotFound, match="no place"):
        enrolments.cancel(uow, clock, "c1", "t1")


def test_the_organiser_accepts_or_declines_and_a_declined_seat_is_promoted(uow, clock) -> None:
    uow.enrolments.add_course(course(capacity=1, organiser_accepts=True))
    pending = enrolments.enrol(uow, clock, "c1", "t1")
    waiting = enrolments.enrol(uow, clock, "c1", "t2")
    assert (pending.status, waiting.status) == ("pending", "waitlisted")
    with pytest.raises(NotFound):  # another unit's business account sees no such course
        enrolments.decide(uow, clock, "c1", pending.enrolment_id, "999999", accept=True)
    enrolments.decide(uow, clock, "c1", pending.enrolment_id, "190001", accept=False)
    assert uow.enrolments.get(waiting.enrolment_id).status == "pending"  # promoted, to decide
    enrolments.decide(uow, clock, "c1", waiting.enrolment_id, "190001", accept=True)
    assert uow.enrolments.get(waiting.enrolment_id).status == "enrolled"
    assert [d["decision"] for d in uow.recorded(ENROLMENT_DECIDED)] == ["declined", "accepted"]
    assert uow.enrolments.mails == [("t2", "promoted"), ("t1", "declined"), ("t2", "accepted")]
    with pytest.raises(Conflict) as caught:
        enrolments.decide(uow, clock, "c1", waiting.enrolment_id, "190001", accept=False)
    assert caught.value.slug == "not-pending"
    assert uow.enrolments.counts("c1") == (1, 0)


def test_the_lottery_publishes_its_seed_hash_and_the_draw_can_be_rerun(uow, clock) -> None:
    uow.enrolments.add_course(course(capacity=2, fairness="lottery"))
    applied = [enrolments.enrol(uow, clock, "c1", f"t{n}") for n in range(1, 6)]
    assert {p.status for p in applied} == {"applied"}
    [opened] = uow.recorded(LOTTERY_OPENED)  # published once, with the first application
    assert uow.enrolments.counts("c1") == (0, 0)
    assert lottery.draw_course(uow, clock, "c1") is None  # not while the window is open
    clock.set(CLOSES)
    result = lottery.open_and_draw(lambda: uow, clock)
    assert result["drawn"] == 1
    [drawn] = uow.recorded(LOTTERY_DRAWN)
    # Anyone re-runs it: the seed matches the hash published at the opening, and the
    # documented order picks the same winners.
    assert seed_digest(drawn["seed"]) == opened["seed_sha256"] == drawn["seed_sha256"]
    order = sorted(drawn["applicants"], key=lambda a: draw_key(drawn["seed"], a))
    assert drawn["winners"] == order[:2] == draw(drawn["seed"], drawn["applicants"], 2)[0]
    statuses = {e.account_id: e.status for e in uow.enrolments.of_course("c1")}
    assert sorted(a for a, s in statuses.items() if s == "enrolled") == sorted(drawn["winners"])
    assert sum(s == "not_drawn" for s in statuses.values()) == 3
    assert sorted(d["won"] for d in uow.recorded(ENROLMENT_DRAWN)) == [False] * 3 + [True] * 2
    assert sorted(kind for _, kind in uow.enrolments.mails) == ["lost"] * 3 + ["won"] * 2
    assert uow.enrolments.counts("c1") == (2, 0)
    assert lottery.open_and_draw(lambda: uow, clock)["drawn"] == 0  # idempotent
    assert len(uow.recorded(LOTTERY_DRAWN)) == 1


def test_the_draw_order_is_sha256_of_seed_and_account() -> None:
    import hashlib
    seed = "00" * 32
    assert draw_key(seed, "abc") == hashlib.sha256(f"{seed}abc".encode()).hexdigest()
    winners, others = draw(seed, ["a", "b", "c", "a"], 1)
    assert len(winners) == 1 and len(others) == 2  # one applicant, one place in the order
