"""The national-scale generator's transfer records (bench/transfer_data.py, item 8): the
seed's 24 sources in production, about 25 records a course, every record in its year's
partition, courses after the freeze, the same records from the same seed, and a second
run on a loaded database adds nothing."""
from __future__ import annotations

import psycopg
import pytest

from bench import transfer_data

pytestmark = pytest.mark.postgres


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def test_the_generator_loads_the_seeds_sources_and_records_repeatably(make_database) -> None:
    first, second = (_plain(make_database(f"gen{n}")) for n in (1, 2))
    loaded = transfer_data.run(first, 0.0004, seed=7, log=lambda _line: None)
    assert loaded["transfer_courses"] == 494  # 1,234,961 x 0.0004
    assert 494 * 20 < loaded["transfer_records_added"] < 494 * 31
    transfer_data.run(second, 0.0004, seed=7, log=lambda _line: None)
    assert transfer_data.run(first, 0.0004, seed=7, log=lambda _line: None)[
        "transfer_records_added"] == 0  # already there: nothing added twice
    fingerprint = ("SELECT md5(string_agg(source || course_key || account_id || digest, ',' "
                   "ORDER BY source, course_key, account_id)) FROM transfer_attendance")
    with psycopg.connect(first) as a, psycopg.connect(second) as b:
        assert a.execute(fingerprint).fetchone() == b.execute(fingerprint).fetchone()
        modes = dict(a.execute("SELECT mode, count(*) FROM sources "
                               "WHERE state = 'production' GROUP BY mode").fetchall())
        assert modes == {"daily_push": 21, "monthly_file": 3}
        misplaced = a.execute(
            "SELECT count(*) FROM transfer_attendance a JOIN transfer_courses c USING "
            "(source, course_key) WHERE a.start_year <> extract(year FROM c.start_date) "
            "OR a.tableoid::regclass::text <> 'transfer_attendance_y' || a.start_year"
        ).fetchone()
        assert misplaced == (0,)
        assert a.execute("SELECT min(start_date) > '2012-12-31' FROM transfer_courses"
                         ).fetchone() == (True,)
