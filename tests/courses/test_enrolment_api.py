"""Enrolment through the HTTP API on the embedded default (R-CRS-4, issue 10 points 3
and 4): the public contract's answers, each refusal's problem+json, who may do what
(role and scope), the mail a promoted teacher gets after the commit, and the lottery
drawn by the scheduled command."""
from __future__ import annotations

from datetime import timedelta

from courses_factory import CLOSES, OPENS, UNIT, add_course, add_series, add_teachers
from sqlalchemy import func, select

from services.courses.adapters.orm import enrolment_mails
from services.courses.bootstrap import DEFINITION
from services.courses.domain.enrolment import seed_digest

PROBLEM = "application/problem+json"
T1, T2, T3 = ("11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222",
              "33333333-3333-4333-8333-333333333333")


def problem_type(answer) -> str:
    assert answer.mimetype == PROBLEM, answer.get_data(as_text=True)
    return answer.get_json()["type"].rsplit(":", 1)[-1]


def enrol(enrol_api, course: str, teacher: str):
    return enrol_api.call("post", f"/{course}/enrolments", subject=teacher)


def test_the_contract_answers_enrolled_waitlisted_and_each_refusal(enrol_api) -> None:
    course = add_course(enrol_api.runtime.database, capacity=1)
    first = enrol(enrol_api, course, T1)
    assert first.status_code == 201
    assert first.get_json() | {"enrolment_id": "x"} == {
        "enrolment_id": "x", "course_id": course, "status": "enrolled", "arrival": 1,
        "position": None}
    second = enrol(enrol_api, course, T2)
    assert (second.status_code, second.get_json()["status"], second.get_json()["position"]) == \
        (201, "waitlisted", 1)
    full = enrol(enrol_api, course, T3)
    assert (full.status_code, problem_type(full), full.get_json()["arrival"]) == \
        (409, "course-full", 3)
    again = enrol(enrol_api, course, T1)
    assert (again.status_code, problem_type(again), again.get_json()["enrolment_status"]) == \
        (409, "already-enrolled", "enrolled")
    enrol_api.runtime.clock.set(CLOSES)
    closed = enrol(enrol_api, course, T3)
    assert (closed.status_code, problem_type(closed), closed.get_json()["arrival"]) == \
        (409, "enrolment-closed", 5)
    attempts = enrol_api.call("get", f"/{course}/enrolment-attempts", role="business", unit="190001")
    assert [(a["arrival"], a["outcome"]) for a in attempts.get_json()] == [
        (1, "enrolled"), (2, "waitlisted"), (3, "course-full"), (4, "already-enrolled"),
        (5, "enrolment-closed")]


def test_a_business_account_cannot_enrol_and_is_told_why(enrol_api) -> None:
    course = add_course(enrol_api.runtime.database)
    answer = enrol_api.call("post", f"/{course}/enrolments", role="business", unit="190001")
    assert (answer.status_code, problem_type(answer)) == (403, "forbidden")
    assert "teacher" in answer.get_json()["detail"]


def test_a_course_not_approved_or_unknown_is_not_found(enrol_api) -> None:
    draft = add_course(enrol_api.runtime.database, status="draft")
    for course in (draft, "no-such-course"):
        answer = enrol(enrol_api, course, T1)
        assert (answer.status_code, problem_type(answer)) == (404, "course-not-found")


def test_duplicate_session_in_a_series_of_one_session_per_teacher(enrol_api) -> None:
    series = add_series(enrol_api.runtime.database)
    first = add_course(enrol_api.runtime.database, series_id=series)
    second = add_course(enrol_api.runtime.database, series_id=series)
    assert enrol(enrol_api, first, T1).status_code == 201
    answer = enrol(enrol_api, second, T1)
    assert (answer.status_code, problem_type(answer), answer.get_json()["held_course_id"]) == \
        (409, "duplicate-session", first)


def test_cancelling_promotes_the_waiting_teacher_who_gets_a_mail(enrol_api, smtp) -> None:
    add_teachers(enrol_api.runtime.database, T1, T2)
    course = add_course(enrol_api.runtime.database, capacity=1, title="數位教學")
    enrol(enrol_api, course, T1)
    enrol(enrol_api, course, T2)
    cancelled = enrol_api.call("delete", f"/{course}/enrolments/me", subject=T1)
    assert (cancelled.status_code, cancelled.get_json()["status"]) == (200, "cancelled")
    [(recipients, message)] = smtp.wait_for(1)
    assert recipients == [f"{T2[:8]}@school.example.tw"]
    assert "數位教學" in message.get_content() and "You have a seat" in message["Subject"]
    mine = enrol_api.call("get", "/enrolments/me", subject=T2).get_json()
    assert [(m["course_id"], m["status"]) for m in mine] == [(course, "enrolled")]
    assert enrol_api.call("get", "/enrolments/me", subject=T1).get_json()[0]["status"] == "cancelled"
    again = enrol_api.call("delete", f"/{course}/enrolments/me", subject=T1)
    assert (again.status_code, problem_type(again)) == (404, "no-enrolment")


def test_mail_that_could_not_go_out_is_sent_by_the_command(enrol_api, smtp) -> None:
    add_teachers(enrol_api.runtime.database, T1, T2)
    course = add_course(enrol_api.runtime.database, capacity=1)
    enrol(enrol_api, course, T1)
    enrol(enrol_api, course, T2)
    smtp.refusing = True
    enrol_api.call("delete", f"/{course}/enrolments/me", subject=T1)
    _wait_until(lambda: _tried(enrol_api))
    smtp.refusing = False
    enrol_api.runtime.clock.advance(minutes=2)
    assert _command(enrol_api, "send-enrolment-mails") == {"sent": 1}
    assert [r for r, _ in smtp.wait_for(1)] == [[f"{T2[:8]}@school.example.tw"]]


def _tried(enrol_api) -> bool:
    """The thread's try has failed and says so (not merely claimed)."""
    with enrol_api.runtime.database.session() as session:
        return bool(session.scalar(select(func.count()).select_from(enrolment_mails)
                                   .where(enrolment_mails.c.last_error.is_not(None))))


def _wait_until(condition, seconds: float = 10) -> None:
    import time
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert condition()


def _command(enrol_api, name: str) -> dict:
    [command] = [c for c in DEFINITION.commands if c.name == name]
    return command.run(enrol_api.runtime, None)


def test_the_organiser_of_the_unit_decides_and_lists_others_see_nothing(enrol_api, smtp) -> None:
    add_teachers(enrol_api.runtime.database, T1)
    course = add_course(enrol_api.runtime.database, organiser_accepts=True)
    pending = enrol(enrol_api, course, T1).get_json()
    assert pending["status"] == "pending"
    path = f"/{course}/enrolments/{pending['enrolment_id']}/decision"
    stranger = enrol_api.call("post", path, role="business", unit="999999", json={"decision": "accept"})
    assert (stranger.status_code, problem_type(stranger)) == (404, "course-not-found")
    other_list = enrol_api.call("get", f"/{course}/enrolments", role="business", unit="999999")
    assert other_list.status_code == 404
    bad = enrol_api.call("post", path, role="business", unit="190001", json={"decision": "maybe"})
    assert (bad.status_code, problem_type(bad)) == (422, "validation-failed")
    accepted = enrol_api.call("post", path, role="business", unit="190001", json={"decision": "accept"})
    assert (accepted.status_code, accepted.get_json()["status"]) == (200, "enrolled")
    [(_, message)] = smtp.wait_for(1)
    assert "accepted" in message["Subject"]
    listed = enrol_api.call("get", f"/{course}/enrolments", role="business", unit="190001").get_json()
    assert (listed["enrolled"], [e["status"] for e in listed["enrolments"]]) == (1, ["enrolled"])
    # The organiser calls the roll by name and school, from the teachers' replica.
    assert (listed["enrolments"][0]["teacher_name"], listed["enrolments"][0]["school_code"]) \
        == (f"老師 {T1[:8]}", UNIT)
    assert not {"national_id", "email"} & set(listed["enrolments"][0])
    assert enrol_api.call("get", f"/{course}/enrolments", role="operator").status_code == 200
    twice = enrol_api.call("post", path, role="business", unit="190001", json={"decision": "decline"})
    assert (twice.status_code, problem_type(twice)) == (409, "not-pending")


def test_the_lottery_shows_its_hash_then_the_command_draws_and_reveals(enrol_api, smtp) -> None:
    teachers = [f"{n:08d}-0000-4000-8000-000000000000" for n in range(1, 6)]
    add_teachers(enrol_api.runtime.database, *teachers)
    course = add_course(enrol_api.runtime.database, capacity=2, fairness="lottery")
    answers = [enrol(enrol_api, course, teacher).get_json() for teacher in teachers]
    assert {a["status"] for a in answers} == {"applied"}
    before = enrol_api.call("get", f"/{course}/lottery", role=None).get_json()
    assert before["seed"] is None and len(before["seed_sha256"]) == 64
    enrol_api.runtime.clock.set(CLOSES + timedelta(minutes=1))
    assert _command(enrol_api, "draw-lotteries")["drawn"] == 1
    after = enrol_api.call("get", f"/{course}/lottery", role=None).get_json()
    assert seed_digest(after["seed"]) == before["seed_sha256"]
    assert (after["applicants"], after["winners"]) == (5, 2)
    assert sorted(m["Subject"].split("：")[1][:3] for _, m in smtp.wait_for(5)) == \
        ["未錄取"] * 3 + ["錄取 "] * 2
    assert _command(enrol_api, "draw-lotteries")["drawn"] == 0  # once only
    assert len(smtp.wait_for(6, seconds=0.5)) == 5
    assert OPENS < enrol_api.runtime.clock.now()


def test_my_enrolments_say_which_are_lotteries_and_whether_drawn(enrol_api, smtp) -> None:
    """R-CRS-4 (issue 14 item 3): a teacher's list tells an application waiting for the
    draw, a seat drawn in it and one not drawn from a first-come seat."""
    teachers = [f"{n:08d}-0000-4000-8000-000000000000" for n in range(1, 4)]
    add_teachers(enrol_api.runtime.database, *teachers)
    lottery = add_course(enrol_api.runtime.database, capacity=1, fairness="lottery")
    first_come = add_course(enrol_api.runtime.database, capacity=5)
    for teacher in teachers:
        enrol(enrol_api, lottery, teacher)
    enrol(enrol_api, first_come, teachers[0])

    def mine(teacher: str) -> dict[str, dict]:
        answer = enrol_api.call("get", "/enrolments/me", subject=teacher)
        assert answer.status_code == 200
        return {row["course_id"]: row for row in answer.get_json()}

    applied = mine(teachers[0])
    assert (applied[lottery]["status"], applied[lottery]["fairness"],
            applied[lottery]["drawn_at"]) == ("applied", "lottery", None)
    assert applied[lottery]["closes_at"].startswith(CLOSES.isoformat()[:16])
    assert (applied[first_come]["fairness"], applied[first_come]["drawn_at"]) == \
        ("first_come", None)
    enrol_api.runtime.clock.set(CLOSES + timedelta(minutes=1))
    assert _command(enrol_api, "draw-lotteries")["drawn"] == 1
    after = [mine(teacher)[lottery] for teacher in teachers]
    assert sorted(row["status"] for row in after) == ["enrolled", "not_drawn", "not_drawn"]
    assert all(row["drawn_at"] is not None for row in after)
    assert mine(teachers[0])[first_come]["drawn_at"] is None
    smtp.wait_for(3)


def test_a_closed_course_refuses_enrolment_changes_and_still_shows_its_lottery(enrol_api) -> None:
    """R-CRS-6: a closed course is locked, its enrolments too (409, not 404: it is public);
    its lottery stays checkable by anyone after the course closes."""
    from sqlalchemy import update

    from services.courses.adapters.orm import courses
    course = add_course(enrol_api.runtime.database, fairness="lottery")
    assert enrol(enrol_api, course, T1).get_json()["status"] == "applied"
    published = enrol_api.call("get", f"/{course}/lottery", role=None).get_json()["seed_sha256"]
    with enrol_api.runtime.database.session() as session:
        session.execute(update(courses).where(courses.c.course_id == course)
                        .values(status="closed"))
    for answer in (enrol(enrol_api, course, T2),
                   enrol_api.call("delete", f"/{course}/enrolments/me", subject=T1)):
        assert (answer.status_code, problem_type(answer)) == (409, "course-locked")
    shown = enrol_api.call("get", f"/{course}/lottery", role=None)
    assert (shown.status_code, shown.get_json()["seed_sha256"]) == (200, published)
