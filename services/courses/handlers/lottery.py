"""Lottery courses (R-CRS-4): the seed's SHA-256 published when the window opens, the
draw at its close (services/courses/README.md has the algorithm). Run by the scheduled
command ``python -m services.courses draw-lotteries``; running it again changes nothing."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contracts.events.courses import ENROLMENT_DRAWN, LOTTERY_DRAWN
from servicekit.clock import Clock
from services.courses.adapters.enrolment_uow import EnrolmentUnitOfWork
from services.courses.domain.enrolment import APPLIED, LOST, NOT_DRAWN, WON, draw
from services.courses.handlers.enrolments import publish_lottery

ALGORITHM = ("sha256(seed || account_id) ascending, ties by account_id; "
             "the first `seats` win")


def open_and_draw(new_uow: Callable[[], EnrolmentUnitOfWork], clock: Clock) -> dict[str, Any]:
    """Publishes the seed of every lottery whose window has opened, then draws every one
    whose window has closed, one transaction per course."""
    now = clock.now()
    with new_uow() as uow:
        opening = uow.enrolments.lottery_courses(opened_before=now)
    for course in opening:
        with new_uow() as uow:
            publish_lottery(uow, course, now)
    with new_uow() as uow:
        closing = [course.course_id for course in
                   uow.enrolments.lottery_courses(closing_before=now)]
    drawn = [result for course_id in closing
             if (result := draw_course(new_uow(), clock, course_id)) is not None]
    return {"published": len(opening), "drawn": len(drawn),
            "courses": [{"course_id": r["course_id"], "applicants": len(r["applicants"]),
                         "winners": len(r["winners"])} for r in drawn]}


def draw_course(uow: EnrolmentUnitOfWork, clock: Clock, course_id: str) -> dict[str, Any] | None:
    """The draw of one course whose window has closed; None when it is drawn already (or
    is not a lottery, or its window is open)."""
    with uow:
        repo, now = uow.enrolments, clock.now()
        course = repo.course(course_id)
        if course is None or not course.lottery or course.window_open(now) or \
                now < course.opens_at:
            return None
        if repo.lottery(course_id) is None:  # nobody applied and the command never ran
            publish_lottery(uow, course, now)
        if not repo.start_draw(course_id, now):
            return None
        found = repo.lottery(course_id)
        assert found is not None
        seated, _ = repo.counts(course_id)
        applicants = {e.account_id: e for e in repo.of_course(course_id, APPLIED)}
        winners, others = draw(found["seed"], applicants, max(course.capacity - seated, 0))
        for rank, account_id in enumerate([*winners, *others], start=1):
            enrolment, won = applicants[account_id], rank <= len(winners)
            repo.change_status(enrolment.enrolment_id, APPLIED,
                               course.seat_status if won else NOT_DRAWN, now)
            if not won and course.one_per_series:
                repo.release_series(course.one_per_series, account_id, course_id)
            uow.record(ENROLMENT_DRAWN, {
                "enrolment_id": enrolment.enrolment_id, "course_id": course_id,
                "account_id": account_id, "won": won, "rank": rank, "at": now.isoformat()})
            repo.queue_mail(enrolment, WON if won else LOST, now)
        repo.move_counts(course_id, seated=len(winners))
        repo.finish_draw(course_id, len(applicants), len(winners))
        result = {"course_id": course_id, "seed": found["seed"],
                  "seed_sha256": found["seed_sha256"], "algorithm": ALGORITHM,
                  "seats": course.capacity, "applicants": sorted(applicants),
                  "winners": winners, "at": now.isoformat()}
        uow.record(LOTTERY_DRAWN, result)
    return result
