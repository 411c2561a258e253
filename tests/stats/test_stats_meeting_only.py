"""The meeting-keyword report (R-CRS-10, R-STA-5) lists apart the titles that are only a
meeting's name (courses' ``domain/meetings.meeting_only``, told by
``course.submitted.v2``): per keyword, the courses whose first submission named a meeting,
and of them those with no other word. Each course counts once whether v1, v2 or both of
its submission arrive, in either order; a resubmission adds nothing."""
from __future__ import annotations

import pytest
from stats_support import Stats, authority, unit

from contracts.events.courses import COURSE_SUBMITTED, COURSE_SUBMITTED_V2
from tests.stats.test_stats_course_hours import COURSE_A, COURSE_B, COURSE_C


@pytest.fixture
def stats(stats_on_both: Stats) -> Stats:
    return stats_on_both


def submitted(course_id: str, keywords: list[str], only: bool | None,
              resubmission: bool = False) -> tuple[str, dict]:
    data = {"course_id": course_id, "code": f"C{course_id[-4:]}", "unit_code": "353301",
            "reviewing_authority_code": "TPE", "submitted_at": "2017-03-20T02:00:00+00:00",
            "resubmission": resubmission, "meeting_keywords": keywords, "version": 2}
    if only is None:
        return COURSE_SUBMITTED, data
    return COURSE_SUBMITTED_V2, {**data, "meeting_only": only}


def test_titles_only_a_meeting_name_are_counted_apart_once_per_course(stats: Stats) -> None:
    stats.feed(authority("TPE", "臺北市政府教育局", "TPE"), unit("353301", "TPE", "TPE"),
               # 113學年度第1次校務會議: v1, then its v2
               submitted(COURSE_A, ["校務會議"], None), submitted(COURSE_A, ["校務會議"], True),
               # 校務會議暨防災教育研習: v2, then its v1, then resubmitted
               submitted(COURSE_B, ["校務會議"], False), submitted(COURSE_B, ["校務會議"], None),
               submitted(COURSE_B, ["校務會議"], False, resubmission=True),
               # 行政會議: v2 alone, told twice (a backfill after the live events)
               submitted(COURSE_C, ["行政會議"], True), submitted(COURSE_C, ["行政會議"], True))
    answer = stats.report("/reports/meeting-keywords?from=2017-01&to=2017-06")
    assert [column["key"] for column in answer["columns"]] == [
        "meeting_keyword_courses", "meeting_only_courses"]
    assert {row["key"]: row["values"] for row in answer["rows"]} == {
        "校務會議": {"meeting_keyword_courses": 2, "meeting_only_courses": 1},
        "行政會議": {"meeting_keyword_courses": 1, "meeting_only_courses": 1}}
