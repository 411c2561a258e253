"""The demo data set of the embedded default (``make up``): real-looking, synthetic.
National IDs are made up but valid (correct check digits); nothing here is a real
person. Unit codes follow the shape of real school codes."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import TypedDict

from contracts.vocabulary import COUNTIES, K12_ADMINISTRATION, NETWORK
from services.accounts.domain.national_id import with_check_digit

NETWORK_START = date(2003, 1, 1)
TAICHUNG_TRANSFER = date(2017, 1, 1)
TAICHUNG_REFERENCE = "臺中市國立高中職改制，106年1月25日轉移審課權限"

# code, name, type, authority (from NETWORK_START), county, moved to TXG on 2017-01-01
UNITS = (
    ("353301", "臺北市立建國高級中學", "senior_high_school", "TPE", "TPE", False),
    ("193601", "臺中市立臺中第一高級中等學校", "senior_high_school", K12_ADMINISTRATION, "TXG", True),
    ("213502", "臺南市東區勝利國民小學", "elementary_school", "TNN", "TNN", False),
    ("NTNU", "國立臺灣師範大學", "teacher_education_university", K12_ADMINISTRATION, "TPE", False),
    ("TPE-TSC", "臺北市教師研習中心", "county_teacher_study_centre", "TPE", "TPE", False),
    ("193602", "臺中市立臺中女子高級中等學校", "senior_high_school", K12_ADMINISTRATION, "TXG", True),
    ("193603", "臺中市立臺中第二高級中等學校", "senior_high_school", K12_ADMINISTRATION, "TXG", True),
    ("413601", "臺北市大安區大安國民小學", "elementary_school", "TPE", "TPE", False),
    ("TNN-TTU", "臺南市教師職業工會", "civic_group", NETWORK, "TNN", False),
)
SCHOOLS = ("353301", "193601", "213502", "193602", "193603", "413601")
COUNTY_LETTER = {"TPE": "A", "TXG": "B", "TNN": "D"}

# From 2017-07, courses of county-approved teacher organisations go to the county.
TEACHER_ORGANISATIONS_TO_COUNTY = ("civic_group", "unit_county", date(2017, 7, 1))

REVIEWERS = ("TPE", "TXG", "TNN", K12_ADMINISTRATION)
OPERATOR = ("operator", "全國教師在職進修資訊網 維運人員")
BUSINESS_UNITS = ("353301", "193601", "213502", "NTNU", "TPE-TSC")

_FAMILY = "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周"
_GIVEN = ("怡君", "雅婷", "家豪", "志明", "淑芬", "冠宇", "佩珊", "俊傑", "宜蓁", "建宏",
          "美玲", "承翰", "詩涵", "柏翰", "欣怡", "宗翰", "婉婷", "彥廷", "靜怡", "哲維")
TEACHERS = 500
TEACHER_SINCE = date(2015, 8, 1)


def teacher_rows() -> list[dict]:
    rows = []
    for number in range(1, TEACHERS + 1):
        school = SCHOOLS[(number - 1) % len(SCHOOLS)]
        county = next(u[4] for u in UNITS if u[0] == school)
        gender = "1" if number % 2 else "2"
        rows.append({
            "national_id": with_check_digit(f"{COUNTY_LETTER[county]}{gender}{number:07d}"),
            "name": _FAMILY[number % len(_FAMILY)] + _GIVEN[(number // len(_FAMILY)) % len(_GIVEN)],
            "school_code": school, "email": f"teacher{number:05d}@school.example",
            "since": TEACHER_SINCE})
    return rows


# The 2017 campaign of the minutes: schools to update teacher data and business accounts
# by 2017-04-28 17:00; ■ = the bureau sent the network a copy of its letter.
TAIPEI = timezone(timedelta(hours=8))
class _Campaign(TypedDict):
    """The arguments of handlers.campaigns.open_campaign, named."""
    campaign_id: str
    title: str
    deadline: datetime
    reference: str
    authority_codes: list[str]


CAMPAIGN: _Campaign = {
    "campaign_id": "2017-teacher-data",
    "title": "106年度更新維護校內教師資料及業務帳號",
    "deadline": datetime(2017, 4, 28, 17, 0, tzinfo=TAIPEI),
    "reference": "高師大通識字第1061003095號",
    "authority_codes": [*COUNTIES, K12_ADMINISTRATION],
}
CONFIRMED = ("TAO", "TXG", "TNN", "KHH", "YUN", "CYQ", "TTT", "HUA", K12_ADMINISTRATION)
CONFIRMATION_NOTE = "副知本網 (106年度第1次總召會議紀錄)"
