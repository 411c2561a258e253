"""The national-scale catalogue generator (bench/data.py) is repeatable from its seed,
block by block, and draws what the courses service would accept."""
from __future__ import annotations

from bench.data import BLOCK, _courses, _units, _units_for
from services.courses.domain.reference import SEED


def test_the_same_seed_gives_the_same_courses_and_another_seed_others() -> None:
    units = _units(_units_for(BLOCK), 2003)
    first = list(_courses(3, 50, 2003, units))
    assert first == list(_courses(3, 50, 2003, units))
    assert first != list(_courses(3, 50, 2004, units))
    assert [c["code"].split("-")[1] for c in first[:2]] == ["030001", "030002"]


def test_units_grow_by_appending_so_a_grown_catalogue_is_the_same() -> None:
    assert _units(60, 2003)[:50] == _units(50, 2003)


def test_every_drawn_code_is_a_seeded_term_and_windows_close_before_the_course() -> None:
    known = {(term.kind, term.code) for term in SEED}
    for course in _courses(0, 500, 2003, _units(50, 2003)):
        assert ("category", course["category"]) in known
        assert ("subject", course["subject"]) in known
        assert ("time_slot", course["time_slot"]) in known
        assert all(("audience", a) in known for a in course["audiences"])
        assert all(("tag", t) in known for t in course["tags"])
        assert course["enrolment_opens_at"] < course["enrolment_closes_at"]
        assert course["starts_on"] <= course["ends_on"]
        assert course["title"]
