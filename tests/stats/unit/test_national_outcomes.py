"""The national generator's outcomes (issue 13, item 8): reviews, attendee lists and hours
issued, drawn from the seed and the block's places alone, in the proportions it states."""
from __future__ import annotations

from bench import data_outcomes
from bench.data import BLOCK, _courses, _enrolments, _units, _units_for


def test_outcomes_repeat_from_the_seed_and_name_only_teachers_who_got_a_place() -> None:
    rows = list(_courses(2, 2000, 2003, _units(_units_for(BLOCK), 2003)))
    places = list(_enrolments(rows, 30_000, 1.0, 2003, 2))
    drawn = data_outcomes.draw(rows, places, 2003, 2)
    assert drawn == data_outcomes.draw(rows, places, 2003, 2)
    assert drawn != data_outcomes.draw(rows, places, 2004, 2)
    approved = [row for row in rows if row["approved_at"] is not None]
    closed = {row["course_id"] for row in rows if row["status"] == "closed"}
    reviews = drawn["course_reviews"]
    assert sorted(r[1] for r in reviews if r[2] == "approve") == sorted(
        row["course_id"] for row in approved)
    returned = sum(1 for r in reviews if r[2] == "return") / len(approved)
    assert 0.5 * data_outcomes.RETURNED < returned < 1.5 * data_outcomes.RETURNED
    assert {r[0] for r in drawn["course_closing"]} == closed
    assert {r[1] for r in drawn["attendance_reviews"]} == closed
    got_a_place = {(course, teacher) for _, course, teacher, *_ in places}
    attendees = {(course, teacher) for course, teacher, _, _ in drawn["attendees"]}
    assert attendees <= got_a_place
    in_closed = {pair for pair in got_a_place if pair[0] in closed}
    assert 0.8 * data_outcomes.ATTENDED < len(attendees) / len(in_closed) <= 1
    # A list is sent after the course ends and approved before it closes.
    ends = {row["course_id"]: row["ends_on"] for row in rows}
    assert all(sent.date() >= ends[course] for course, sent, _, _ in drawn["course_closing"])
