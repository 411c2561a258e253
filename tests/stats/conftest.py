"""Fixtures of the stats tests (tests/stats/stats_support.py)."""
from stats_support import stats  # noqa: F401
