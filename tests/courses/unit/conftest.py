"""Handler tests on a FakeUnitOfWork: no database, no broker, a fixed clock."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # courses_fakes.py beside the tests

from courses_fakes import FakeCoursesUnitOfWork
from courses_helpers import NOW

from servicekit.clock import FixedClock


@pytest.fixture
def work() -> FakeCoursesUnitOfWork:
    uow = FakeCoursesUnitOfWork()
    for code, unit_type, authority, county in (("353301", "senior_high_school", "TPE", "TPE"),
                                               ("193601", "senior_high_school", "K12EA", "TXG"),
                                               ("TNN-TTU", "civic_group", "NETWORK", "TNN")):
        uow.units.add(code, unit_type, authority, county)
    return uow


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)
