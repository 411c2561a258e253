"""The demo courses of the embedded default (``make up``), dated from the moment the seed
runs so that windows are open (or about to open) whenever the demo starts. The units and
their reviewing authorities today are the accounts service's demo units (its
``demo_data.py``): the seed cannot wait for their events, so it names them here."""
from __future__ import annotations

from dataclasses import dataclass, field

# The demo units with a business account, and who reviews their courses today (193601
# moved from K12EA to Taichung in 2017).
REVIEWING = {"353301": "TPE", "193601": "TXG", "213502": "TNN", "NTNU": "K12EA",
             "TPE-TSC": "TPE"}
COUNTY = {"353301": "TPE", "193601": "TXG", "213502": "TNN", "NTNU": "TPE", "TPE-TSC": "TPE"}
SERIES_KEY = "series-reading-strategies"


@dataclass(frozen=True)
class DemoCourse:
    key: str  # the demo course's stable name (its id derives from it)
    unit: str
    title: str
    capacity: int
    days_ahead: int  # the first meeting, in days from the seed's day
    sessions: int = 1  # meetings, a week apart
    hours_each: int = 3  # each meeting's length (09:00 onwards)
    opens_in_days: int = -1  # the enrolment window opens (negative: already open)
    fairness: str = "first_come"
    organiser_accepts: bool = False
    series: str | None = None
    nature: str = "senior_high"
    audiences: tuple[str, ...] = ("senior_high",)
    subject: tuple[str, str, str] = ("teaching", "language", "chinese")
    tags: tuple[str, ...] = field(default=())


COURSES = (
    # The 40-seat course open now that nobody has enrolled in yet.
    DemoCourse("open-40", "353301", "素養導向評量設計實作工作坊", 40, 21),
    # A series of three sessions; a teacher may hold one of them (duplicate-session).
    *(DemoCourse(f"series-{n}", "193601", f"閱讀理解策略教學（第{n}梯次）", 30, 14 + 7 * n,
                 series=SERIES_KEY, audiences=("junior_high", "senior_high"))
      for n in (1, 2, 3)),
    # A lottery course open now: applications until the window closes, then the draw.
    DemoCourse("lottery", "TPE-TSC", "幼兒園教保專業知能研習（抽籤）", 50, 20, sessions=2,
               fairness="lottery", nature="kindergarten", audiences=("kindergarten",),
               subject=("professional", "preschool", "preschool_care"),
               tags=("preschool_care",)),
    # A window that opens in three days.
    DemoCourse("future-window", "213502", "防災教育教師增能研習", 100, 30, opens_in_days=3,
               nature="elementary", audiences=("elementary",),
               subject=("professional", "issues", "disaster_prevention"),
               tags=("disaster_prevention",)),
    # The organiser accepts each enrolment.
    DemoCourse("accepts", "NTNU", "跨領域課程設計工作坊（需主辦單位審核）", 25, 18,
               organiser_accepts=True, nature="cross_level",
               audiences=("junior_high", "senior_high"), tags=("teacher_evaluation",)),
    # The smallest and the largest.
    DemoCourse("small", "213502", "英語文差異化教學小班研習", 5, 16, nature="elementary",
               audiences=("elementary",), subject=("teaching", "language", "english")),
    DemoCourse("large", "NTNU", "數位學習推廣研習（大型講座）", 200, 25, hours_each=2,
               nature="cross_level", audiences=("elementary", "junior_high", "senior_high"),
               subject=("teaching", "technology", "information_technology")),
    DemoCourse("gender", "353301", "性別平等教育融入課程研習", 60, 24,
               subject=("professional", "issues", "gender_equity"), tags=("gender_equity",)),
)

# Demo news (key, title, body, audience) and marquee lines (key, text), shown from the
# seeding day until withdrawn (R-CRS-12).
DEMO_NEWS = (
    ("news-welcome", "示範：歡迎使用全國教師在職進修資訊網",
     "這是示範資料。\n研習課程可依縣市、類別與政策標籤查詢。", "everyone"),
    ("news-teachers", "示範：寒假研習陸續開放報名",
     "請至研習查詢，依縣市、類別與政策標籤找到適合的課程。", "teachers"),
    ("news-business", "示範：研習時數請於課程結束後 7 日內核發",
     "逾期未核發的課程會計入單位燈號。", "business"),
)
DEMO_MARQUEE = (
    ("marquee-open", "示範：多門研習正在開放報名，額滿為止"),
    ("marquee-demo", "示範資料：本站內容僅供展示"),
)
