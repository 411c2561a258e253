"""Fixtures of the stats tests (tests/stats/stats_support.py)."""
from stats_support import stats, stats_on_both  # noqa: F401
