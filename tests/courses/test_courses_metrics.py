"""The courses service's business metrics (issue 13 point 7, R-OPS-2): each enrolment
attempt counted by outcome and each review by decision, once committed — an attempt whose
transaction rolls back, or a refusal that recorded nothing, is not counted."""
from __future__ import annotations

from courses_factory import add_course
from prometheus_client import REGISTRY
from test_courses_register_review import submitted

from services.courses.adapters.enrolment_uow import EnrolmentUnitOfWork

T1, T2, T3 = ("11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222",
              "33333333-3333-4333-8333-333333333333")
OUTCOMES = ("enrolled", "waitlisted", "course-full", "already-enrolled")


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def enrolments() -> dict[str, float]:
    return {outcome: value("inservice_enrolments_total", outcome=outcome)
            for outcome in (*OUTCOMES, "course-not-found")}


def test_each_enrolment_attempt_is_counted_by_outcome_once_committed(enrol_api, monkeypatch) -> None:
    course = add_course(enrol_api.runtime.database, capacity=1)
    before = enrolments()
    for teacher in (T1, T2, T3, T1):
        enrol_api.call("post", f"/{course}/enrolments", subject=teacher)
    assert enrol_api.call("post", "/no-such-course/enrolments", subject=T1).status_code == 404
    after = enrolments()
    assert {k: after[k] - before[k] for k in after} == {
        "enrolled": 1, "waitlisted": 1, "course-full": 1, "already-enrolled": 1,
        "course-not-found": 0}

    # The transaction fails after the seat was taken: rolled back, so not counted.
    def failing(self, event_type, data):
        raise RuntimeError("the outbox write failed")

    monkeypatch.setattr(EnrolmentUnitOfWork, "record", failing)
    other = add_course(enrol_api.runtime.database, capacity=5)
    before = enrolments()
    assert enrol_api.call("post", f"/{other}/enrolments", subject=T3).status_code == 500
    assert enrolments() == before


def test_each_review_is_counted_by_decision(api) -> None:
    approve, returned = (value("inservice_reviews_total", decision=d) for d in ("approve", "return"))
    first, second = submitted(api), submitted(api)
    assert api.reviewer("post", f"/{first['id']}/review",
                        json={"decision": "approve"}).status_code == 200
    assert api.reviewer("post", f"/{second['id']}/review",
                        json={"decision": "return", "reasons": ["A"]}).status_code == 200
    # A decision refused (the course is not waiting for review any more) is not counted.
    assert api.reviewer("post", f"/{first['id']}/review",
                        json={"decision": "approve"}).status_code == 409
    assert value("inservice_reviews_total", decision="approve") - approve == 1
    assert value("inservice_reviews_total", decision="return") - returned == 1
