"""A small catalogue for the cross search's tests (R-CRS-9), registered through the use
case (so the search index is kept as in production) and then published, and the
searches with the titles each must find, written by hand. The same table runs on SQLite
and on PostgreSQL: the same index idea must give the same results on both."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from courses_helpers import FIRST_DAY, NOW, course_body, unit_events
from sqlalchemy import update

from servicekit.clock import FixedClock
from servicekit.service import Runtime
from servicekit.settings import Settings
from servicekit.testing.runtimes import migrated
from servicekit.tokens import Principal
from services.courses.adapters.orm import courses
from services.courses.adapters.search_index import SearchIndex
from services.courses.bootstrap import DEFINITION
from services.courses.handlers import lifecycle, replica, search
from services.courses.routes.catalogue import CatalogueQuerySchema
from services.courses.routes.schemas import CourseFieldsSchema


def _meetings(first: date) -> list[dict[str, str]]:
    return [{"date": first.isoformat(), "starts_at": "09:00", "ends_at": "12:00"}]


# title, unit, status, first day, changes to the body
COURSES: list[tuple[str, str, str, date, dict[str, Any]]] = [
    ("防災教育研習", "353301", "approved", FIRST_DAY, {"tags": ["disaster_prevention"]}),
    ("校園防災演練工作坊", "413601", "approved", FIRST_DAY + timedelta(days=3),
     {"county_code": "TXG", "tags": ["disaster_prevention", "safety"]}),
    # has 防 and 災 but not 防災: the pairs are 防火, 火災 (not a candidate at all)
    ("防火災害應變", "353301", "approved", FIRST_DAY, {"time_slot": "weekend"}),
    # has every pair of 閱讀教學 (閱讀, 讀教, 教學) but not the word: LIKE turns it away
    ("閱讀讀教學觀摩", "353301", "approved", FIRST_DAY, {"audiences": ["elementary"]}),
    ("閱讀教學策略", "193601", "approved", FIRST_DAY + timedelta(days=10),
     {"category": "professional", "subcategory": "issues", "subject": "gender_equity",
      "lecturers": ["陳美玲"], "tags": ["gender_equity"], "audiences": ["elementary"]}),
    ("性平教育案例研討", "193601", "approved", FIRST_DAY + timedelta(days=40),
     {"tags": ["gender_equity"], "lecturers": ["陳大文"]}),
    ("ＳＴＥＭ跨域教學", "413601", "approved", FIRST_DAY + timedelta(days=5),
     {"time_slot": "weekday_evening"}),
    ("防災草稿", "353301", "draft", FIRST_DAY, {}),  # never published: never found
    ("已結束的防災研習", "353301", "closed", date(2025, 12, 1), {}),  # ended
]


def build(runtime: Runtime) -> dict[str, str]:
    """Registers and publishes the catalogue; returns title → course id."""
    ids = {}
    business = {unit: Principal(f"biz-{unit}", frozenset({"business"}), unit=unit)
                for unit in ("353301", "413601", "193601")}
    clock = FixedClock(NOW)
    for title, unit, status, first, changes in COURSES:
        body = course_body(title=title, meetings=_meetings(first), hours=3,
                           enrolment_closes_at=f"{first.isoformat()}T08:00:00+08:00",
                           **{"county_code": "TXG" if unit == "193601" else "TPE", "tags": [],
                              **changes})
        if first < NOW.date():
            body["enrolment_opens_at"] = f"{(first - timedelta(days=9)).isoformat()}T08:00:00+08:00"
        fields = CourseFieldsSchema().load(body)
        course = lifecycle.register(runtime.components.uow(), clock, business[unit], fields)
        ids[title] = course["id"]
        if status != "draft":
            with runtime.database.session() as session:
                session.execute(update(courses).where(courses.c.course_id == course["id"])
                                .values(status=status, approved_at=NOW))
                # as the repository does with every course it saves: the index and the
                # counts of the published courses follow the new status
                SearchIndex(session).refresh([course["id"]])
    return ids


def searched(runtime: Runtime, **query: Any) -> dict[str, Any]:
    loaded = CatalogueQuerySchema().load({k: str(v) for k, v in query.items()})
    return search.search(runtime.components.uow(), FixedClock(NOW), loaded)


def titles(runtime: Runtime, **query: Any) -> set[str]:
    return {item["title"] for item in searched(runtime, per_page=100, **query)["items"]}


PUBLISHED_NOW = {"防災教育研習", "校園防災演練工作坊", "防火災害應變", "閱讀讀教學觀摩",
                 "閱讀教學策略", "性平教育案例研討", "ＳＴＥＭ跨域教學"}

# query → the titles it must find, by hand
CASES: list[tuple[dict[str, Any], set[str]]] = [
    ({}, PUBLISHED_NOW),
    ({"q": "防災"}, {"防災教育研習", "校園防災演練工作坊"}),
    ({"q": "防災", "include_past": "true"},
     {"防災教育研習", "校園防災演練工作坊", "已結束的防災研習"}),
    ({"q": "災"}, {"防災教育研習", "校園防災演練工作坊", "防火災害應變"}),
    ({"q": "閱讀教學"}, {"閱讀教學策略"}),
    ({"q": "教學"}, {"閱讀讀教學觀摩", "閱讀教學策略", "ＳＴＥＭ跨域教學"}),
    ({"q": "stem"}, {"ＳＴＥＭ跨域教學"}),  # full-width folded, case ignored
    ({"q": "防災 研習"}, {"防災教育研習"}),  # every word must be there
    ({"q": "「防災」"}, {"防災教育研習", "校園防災演練工作坊"}),
    ({"q": "！？ 　"}, PUBLISHED_NOW),  # punctuation only: no keyword
    ({"q": "防災", "county": "TXG"}, {"校園防災演練工作坊"}),
    ({"q": "防災", "county": "KHH"}, set()),
    ({"q": "防災", "tag": "safety"}, {"校園防災演練工作坊"}),
    ({"tag": "gender_equity"}, {"閱讀教學策略", "性平教育案例研討"}),
    ({"audience": "elementary"}, {"閱讀讀教學觀摩", "閱讀教學策略"}),
    ({"category": "professional"}, {"閱讀教學策略"}),
    ({"time_slot": "weekend"}, {"防火災害應變"}),
    ({"lecturer": "陳"}, {"閱讀教學策略", "性平教育案例研討"}),
    ({"lecturer": "陳美玲"}, {"閱讀教學策略"}),
    ({"unit": "193601"}, {"閱讀教學策略", "性平教育案例研討"}),
    # a unit's name with a keyword: answered from the documents (revision 0013)
    ({"unit": "193601", "q": "教學"}, {"閱讀教學策略"}),
    ({"unit": "193601", "q": "防災"}, set()),
    ({"county": "TXG", "q": "教學"}, {"閱讀教學策略"}),
    ({"start_from": (FIRST_DAY + timedelta(days=3)).isoformat(),
      "start_to": (FIRST_DAY + timedelta(days=10)).isoformat()},
     {"校園防災演練工作坊", "閱讀教學策略", "ＳＴＥＭ跨域教學"}),
    # NOW is 2026-03-04 in Taipei; the first day 2026-03-20 is 16 days ahead
    ({"days_ahead": 16}, {"防災教育研習", "防火災害應變", "閱讀讀教學觀摩"}),
    ({"days_ahead": 15}, set()),
]


def catalogue_runtime(url: str, tmp_path: Any, clock: FixedClock) -> Runtime:
    """The courses service on ``url``, migrated to head, with the tests' units."""
    runtime = migrated(Runtime(DEFINITION, Settings.from_env("courses", {
        "MODE": "production", "DATABASE_URL": url, "DATA_DIR": str(tmp_path),
        "TOKEN_ISSUER": "https://inservice.test",
        "JWKS_URL": "http://127.0.0.1:9/jwks.json"}), clock))
    with runtime.database.session() as session:
        replica.apply_units(session, unit_events())
    return runtime
