"""Units and courses read once per transaction (the consumer's apply rate, docs/performance.md
"stats"): a consumer's batch holds several runs of events, mostly of the same units; what
was read is kept until a unit or jurisdiction change is written, or a savepoint rolls back
(the consumer parks one event and applies the rest)."""
from __future__ import annotations

import pytest
from stats_support import Stats, envelope, unit

from contracts.events import CATALOGUE
from contracts.events.courses import ATTENDANCE_SUBMITTED
from services.stats.adapters.state import StatsState
from services.stats.domain.errors import CannotApply
from services.stats.handlers import intake
from tests.stats.test_stats_course_hours import COURSE_A, COURSE_B, registered


def take(session, *events) -> None:
    for item in events:
        made = envelope(*item)
        intake.take(session, [(CATALOGUE.load_data(made), made)])


def test_a_unit_announced_later_in_the_transaction_is_seen(stats: Stats) -> None:
    with stats.runtime.database.session() as session:
        savepoint = session.begin_nested()
        with pytest.raises(CannotApply, match="unknown unit 353301"):
            take(session, registered(COURSE_A, "353301", "3.0"))
        savepoint.rollback()
        take(session, unit("353301", "TPE", "TPE"), registered(COURSE_A, "353301", "3.0"))
        assert set(StatsState(session).places(["353301"])) == {"353301"}


def test_a_unit_of_a_savepoint_rolled_back_is_forgotten(stats: Stats) -> None:
    with stats.runtime.database.session() as session:
        savepoint = session.begin_nested()
        take(session, unit("353301", "TPE", "TPE"), registered(COURSE_A, "353301", "3.0"))
        savepoint.rollback()
        with pytest.raises(CannotApply, match="unknown unit 353301"):
            take(session, registered(COURSE_B, "353301", "1.0"))


def attendance_sent(course_id: str) -> tuple[str, dict]:
    return (ATTENDANCE_SUBMITTED, {"course_id": course_id, "course_code": "C1",
                                   "unit_code": "353301", "attendees": 3, "late": False,
                                   "version": 2})


def test_courses_are_read_once_and_again_after_they_are_written(stats: Stats) -> None:
    """Courses too are kept for the transaction: a course registered, or its list marked
    sent, is read as it now stands; one of a savepoint rolled back is unknown again."""
    with stats.runtime.database.session() as session:
        take(session, unit("353301", "TPE", "TPE"))
        with pytest.raises(CannotApply, match="unknown course"):
            take(session, attendance_sent(COURSE_A))  # read (unknown) before it is written
        take(session, registered(COURSE_A, "353301", "3.0"), attendance_sent(COURSE_A),
             attendance_sent(COURSE_A))
        assert StatsState(session).courses_of([COURSE_A])[COURSE_A].list_sent
        savepoint = session.begin_nested()
        take(session, registered(COURSE_B, "353301", "1.0"))
        assert set(StatsState(session).courses_of([COURSE_A, COURSE_B])) == {COURSE_A, COURSE_B}
        savepoint.rollback()
        assert set(StatsState(session).courses_of([COURSE_A, COURSE_B])) == {COURSE_A}
    sent = stats.report("/reports/areas?from=2017-01&to=2017-06")
    assert [row["values"]["attendance_lists_sent"] for row in sent["rows"]] == [1]
