"""The reports stats answers: what each shows, over which periods, and to whom (scope).

A report is a *series* (one row per period: month, day or year) or a *table* (one row
per member of a dimension, summed over a range of months). Each declares the scopes it
may be read in: ``national`` (ministry viewers, operators), ``authority`` (a reviewer's
authority, or a unit's share under it) and ``unit`` (a business account's own unit)."""
from __future__ import annotations

from dataclasses import dataclass

from services.stats.domain import figures as f

NATIONAL_SCOPE, AUTHORITY_SCOPE, UNIT_SCOPE = "national", "authority", "unit"
EVERY_SCOPE = frozenset({NATIONAL_SCOPE, AUTHORITY_SCOPE, UNIT_SCOPE})
NATIONAL_ONLY = frozenset({NATIONAL_SCOPE})

SERIES, TABLE = "series", "table"

# The longest range one request may read, by period: a report reads at most this many
# periods (times its members), whatever the history behind it.
MAX_PERIODS = {f.DAY: 366, f.MONTH: 300, f.YEAR: 50}
FIRST_YEAR = 2003  # the network's figures start here (R-STA-1: totals since 2003)


@dataclass(frozen=True)
class Column:
    measure: str
    zh: str
    en: str


@dataclass(frozen=True)
class Report:
    name: str
    zh: str
    en: str
    shape: str
    period: str  # a series' default period; a table's range is in months
    columns: tuple[Column, ...]
    scopes: frozenset[str]
    dimensions: tuple[str, ...] = ()  # a table: the dimensions it may be grouped by, default first
    requirement: str = ""
    # A table of the units of this type whose every figure is zero over the range (the
    # units known to stats, from accounts' events).
    idle_of_type: str | None = None
    # A table of units with courses past their attendee-list deadline in the year of the
    # range's last month, as courses last counted them (a state, not a sum of facts).
    overdue_lists: bool = False


def _c(measure: str, zh: str, en: str) -> Column:
    return Column(measure, zh, en)


ENROLMENTS = _c(f.ENROLMENTS, "報名人次", "Enrolments")
REGISTERED = _c(f.COURSES_REGISTERED, "登錄課程數", "Courses registered")
COURSE_HOURS = _c(f.COURSE_HOURS, "登錄課程時數", "Hours of the courses registered")
REVIEWS = _c(f.REVIEWS, "審課件數", "Reviews")
HELD_NETWORK = _c(f.COURSES_HELD_NETWORK, "開設課程數（本網）", "Courses held (network)")
HELD_TRANSFER = _c(f.COURSES_HELD_TRANSFER, "開設課程數（資訊傳報）", "Courses held (transfer)")
HOURS = _c(f.TEACHER_HOURS, "教師研習時數", "Teachers' hours")
COMPLETIONS = _c(f.COMPLETIONS, "核發時數人次", "Teachers issued hours")
LISTS_SENT = _c(f.ATTENDANCE_LISTS_SENT, "已送研習名單課程數", "Courses with the attendee list sent")
TEACHERS_OPENED = _c(f.TEACHER_ACCOUNTS_OPENED, "教師帳號開通數", "Teacher accounts opened")
BUSINESS_OPENED = _c(f.BUSINESS_ACCOUNTS_OPENED, "業務帳號開通數", "Business accounts opened")
TRANSFER_RECORDS = _c(f.TRANSFER_RECORDS, "傳報研習紀錄筆數", "Transfer records")
TRANSFER_HOURS = _c(f.TRANSFER_HOURS, "傳報研習時數", "Transfer hours")
MEETINGS = _c(f.MEETING_KEYWORD_COURSES, "會議名稱課程數", "Courses named after a meeting")
MEETING_ONLY = _c(f.MEETING_ONLY_COURSES, "僅為會議名稱課程數",
                  "Of them, titles that are only a meeting's name")
OVERDUE = _c("overdue_lists", "逾期未送研習名單課程數",
             "Courses with no attendee list sent by the deadline")
VISITORS = _c(f.VISITORS, "不重複登入人數", "Distinct visitors")

REPORTS: dict[str, Report] = {report.name: report for report in (
    Report("enrolments", "每月報名人次", "Enrolments per month", SERIES, f.MONTH,
           (ENROLMENTS,), EVERY_SCOPE, requirement="R-STA-1"),
    Report("courses-registered", "每月登錄課程數", "Courses registered per month", SERIES,
           f.MONTH, (REGISTERED,), EVERY_SCOPE, requirement="R-STA-1"),
    Report("reviews", "審課件數", "Reviews", SERIES, f.MONTH, (REVIEWS,), EVERY_SCOPE,
           requirement="R-STA-1, R-CRS-3"),
    Report("courses-held", "每月開設課程數", "Courses held per month", SERIES, f.MONTH,
           (HELD_NETWORK, HELD_TRANSFER), NATIONAL_ONLY, requirement="R-STA-1"),
    Report("visits", "每日不重複登入人數", "Visits per day", SERIES, f.DAY, (VISITORS,),
           NATIONAL_ONLY, requirement="R-STA-8"),
    Report("yearbook", "師資培育統計年報：在職進修", "Teacher-education yearbook: in-service",
           SERIES, f.YEAR, (HELD_NETWORK, HELD_TRANSFER, REGISTERED, ENROLMENTS, COMPLETIONS,
                            HOURS, TRANSFER_RECORDS, TRANSFER_HOURS, TEACHERS_OPENED),
           NATIONAL_ONLY, requirement="R-STA-6"),
    Report("areas", "各縣市及單位統計", "Figures per county and unit", TABLE, f.MONTH,
           (REGISTERED, COURSE_HOURS, LISTS_SENT, HELD_NETWORK, COMPLETIONS, HOURS,
            TEACHERS_OPENED, BUSINESS_OPENED), EVERY_SCOPE,
           dimensions=(f.COUNTY, f.UNIT, f.AUTHORITY, f.UNIT_TYPE), requirement="R-STA-2"),
    Report("tags", "屬性標籤統計", "Policy tag counts", TABLE, f.MONTH,
           (COMPLETIONS, HOURS, TRANSFER_RECORDS, TRANSFER_HOURS), NATIONAL_ONLY,
           dimensions=(f.TAG,), requirement="R-STA-5, R-CRS-8"),
    Report("transfer-sources", "各傳報來源統計", "Transfer counts per source", TABLE, f.MONTH,
           (TRANSFER_RECORDS, TRANSFER_HOURS, HELD_TRANSFER), NATIONAL_ONLY,
           dimensions=(f.SOURCE,), requirement="R-STA-5, R-TRF-10"),
    Report("idle-universities", "未登錄課程之師資培育大學",
           "Teacher-education universities with no course registered", TABLE, f.MONTH,
           (REGISTERED,), NATIONAL_ONLY, dimensions=(f.UNIT,), requirement="R-STA-2",
           idle_of_type="teacher_education_university"),
    Report("overdue-lists", "逾期未送研習名單之課程", "Courses with no attendee list sent",
           TABLE, f.MONTH, (OVERDUE,), EVERY_SCOPE, dimensions=(f.UNIT,),
           requirement="R-STA-2, R-CRS-7", overdue_lists=True),
    Report("meeting-keywords", "以會議為研習之課程", "Meeting-as-training courses", TABLE,
           f.MONTH, (MEETINGS, MEETING_ONLY), NATIONAL_ONLY, dimensions=(f.KEYWORD,),
           requirement="R-STA-5, R-CRS-10"),
)}

# Only the grouping by unit can be narrowed to an authority's or a unit's share; the other
# groupings cross every authority.
NARROWABLE = frozenset({f.UNIT})


@dataclass(frozen=True)
class Scope:
    kind: str  # national, authority, unit
    authority: str | None = None
    unit: str | None = None

    def label(self, lang: str = "en") -> str:
        """The scope as written above a table and in a chart's title, in the report's
        language (R-STA-7: the sheet says whose figures these are)."""
        chinese = lang == "zh-TW"
        if self.kind == NATIONAL_SCOPE:
            return "全國" if chinese else "national"
        if self.kind == AUTHORITY_SCOPE and self.unit is None:
            return f"主管機關 {self.authority}" if chinese else f"authority {self.authority}"
        if self.authority is not None:
            return (f"單位 {self.unit}（主管機關 {self.authority} 期間）" if chinese
                    else f"unit {self.unit} under authority {self.authority}")
        return f"單位 {self.unit}" if chinese else f"unit {self.unit}"

    def series_member(self) -> tuple[str, str]:
        """The one figure member a series in this scope reads."""
        if self.kind == NATIONAL_SCOPE:
            return f.NATIONAL, ""
        if self.unit is None:
            return f.AUTHORITY, self.authority or ""
        if self.authority is not None:  # a unit's share under an authority
            return f.AUTHORITY_UNIT, f.authority_unit(self.authority, self.unit)
        return f.UNIT, self.unit
