"""Course hours per county and unit (issue 13 item 2, R-STA-2): ``course.registered.v2``
carries the course's hours; stats counts them once per course, on its registration day,
under its unit, county and authority, whether v1, v2 or both arrive (and in any order)."""
from __future__ import annotations

import uuid

import pytest
from stats_support import Stats, authority, unit

from contracts.events.courses import COURSE_REGISTERED, COURSE_REGISTERED_V2
from services.stats.handlers.rebuild import rebuild


@pytest.fixture
def stats(stats_on_both: Stats) -> Stats:
    return stats_on_both


COURSE_A, COURSE_B, COURSE_C = (str(uuid.UUID(int=n)) for n in (11, 12, 13))


def registered(course_id: str, unit_code: str, hours: str | None,
               at: str = "2017-03-20T02:00:00+00:00") -> tuple[str, dict]:
    data = {"course_id": course_id, "code": f"C{course_id[-4:]}", "unit_code": unit_code,
            "title": "閱讀教學研習", "starts_on": "2017-04-10", "registered_at": at,
            "version": 1}
    if hours is None:
        return COURSE_REGISTERED, data
    return COURSE_REGISTERED_V2, {**data, "hours": hours}


def areas(stats: Stats, by: str) -> dict[str, dict]:
    answer = stats.report(f"/reports/areas?by={by}&from=2017-01&to=2017-06")
    return {row["key"]: row["values"] for row in answer["rows"]}


def test_course_hours_count_per_county_and_unit_once_per_course(stats: Stats) -> None:
    stats.feed(authority("TPE", "臺北市政府教育局", "TPE"),
               authority("TXG", "臺中市政府教育局", "TXG"),
               unit("353301", "TPE", "TPE"), unit("193301", "TXG", "TXG"),
               registered(COURSE_A, "353301", "3.0"),
               registered(COURSE_A, "353301", None),  # v1 of the same course after its v2
               registered(COURSE_B, "353301", None),  # v1 first ...
               registered(COURSE_B, "353301", "2.5"),  # ... then its v2: the hours count now
               registered(COURSE_B, "353301", "2.5"),  # told again (a backfill): nothing
               registered(COURSE_C, "193301", "18.0", at="2017-05-02T01:00:00+00:00"))
    by_county = areas(stats, "county")
    assert by_county["TPE"]["course_hours"] == 5.5
    assert by_county["TPE"]["courses_registered"] == 2
    assert by_county["TXG"]["course_hours"] == 18
    by_unit = areas(stats, "unit")
    assert by_unit["353301"]["course_hours"] == 5.5 and by_unit["193301"]["course_hours"] == 18
    # The registration month is where they count.
    march = stats.report("/reports/areas?by=county&from=2017-03&to=2017-03")
    assert {row["key"]: row["values"]["course_hours"] for row in march["rows"]
            if row["values"]["course_hours"]} == {"TPE": 5.5}


def test_course_hours_survive_a_rebuild(stats: Stats) -> None:
    stats.feed(authority("TPE", "臺北市政府教育局", "TPE"), unit("353301", "TPE", "TPE"),
               registered(COURSE_A, "353301", None), registered(COURSE_A, "353301", "3.0"),
               registered(COURSE_B, "353301", "1.5"))
    before = areas(stats, "unit")
    rebuild(stats.runtime.database, stats.runtime.definition.catalogue)
    assert areas(stats, "unit") == before
    assert before["353301"]["course_hours"] == 4.5


def test_a_v2_without_hours_is_refused_by_the_contract() -> None:
    from contracts.events import CATALOGUE
    from servicekit.events import InvalidEvent
    _, data = registered(COURSE_A, "353301", "3.0")
    del data["hours"]
    with pytest.raises(InvalidEvent):
        CATALOGUE.validate_data(COURSE_REGISTERED_V2, data)


def test_a_year_is_the_sum_of_its_months_in_every_scope(stats: Stats) -> None:
    """Figures are kept by day and month; a series by year sums the months (R-STA-6)."""
    stats.feed(authority("TPE", "臺北市政府教育局", "TPE"), unit("353301", "TPE", "TPE"),
               registered(COURSE_A, "353301", "3.0", at="2016-12-31T15:59:00+00:00"),  # 12-31
               registered(COURSE_B, "353301", "2.0", at="2016-12-31T16:00:00+00:00"),  # 2017
               registered(COURSE_C, "353301", "1.0", at="2017-05-02T01:00:00+00:00"))
    for who in ({}, {"role": "reviewer", "authority": "TPE"},
                {"role": "business", "unit": "353301"}):
        answer = stats.report("/reports/courses-registered?period=year&from=2015&to=2017", **who)
        assert {row["key"]: row["values"]["courses_registered"] for row in answer["rows"]} == {
            "2015": 0, "2016": 1, "2017": 2}, who
    yearbook = stats.report("/reports/yearbook?from=2016&to=2017")
    assert [row["values"]["courses_registered"] for row in yearbook["rows"]] == [1, 2]
