"""The national history stats is measured on (issue 13, item 8): the generator's
enrolments of a block are drawn from the block's own generator, so a catalogue loaded at
0.1 and redrawn at 1.0 (``--redraw-enrolments``) holds what one loaded at 1.0 holds, the
seed's 10 places a course on average."""
from __future__ import annotations

from bench.data import BLOCK, ENROLMENTS_PER_COURSE, _courses, _enrolments, _units, _units_for


def test_a_blocks_enrolments_depend_on_the_seed_the_block_and_the_scale_alone() -> None:
    rows = list(_courses(2, 400, 2003, _units(_units_for(BLOCK), 2003)))
    full = list(_enrolments(rows, 30_000, 1.0, 2003, 2))
    assert full == list(_enrolments(rows, 30_000, 1.0, 2003, 2))
    assert full != list(_enrolments(rows, 30_000, 1.0, 2003, 3))
    tenth = list(_enrolments(rows, 30_000, 0.1, 2003, 2))
    placed = [row for row in rows if row["status"] not in ("draft", "submitted")]
    assert 0.7 * ENROLMENTS_PER_COURSE < len(full) / len(placed) < 1.3 * ENROLMENTS_PER_COURSE
    assert len(tenth) < len(full) / 5
    # One place a teacher a course, arrivals numbered from 1 in each course.
    assert len({(course, teacher) for _, course, teacher, *_ in full}) == len(full)
    assert {arrival for _, _, _, _, arrival, _, _ in full} >= {1}
