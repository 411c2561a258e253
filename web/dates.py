"""Every date and time the pages show or read, from here: course days as the seed writes them
(the Republic of China year in Chinese, 民國 115 年 3 月 5 日), ISO 8601 in English and
for moments (2026-03-05 09:00, Taipei time)."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

TAIPEI = ZoneInfo("Asia/Taipei")
ROC_OFFSET = 1911  # 民國 1 年 is 1912


def roc_year(year: int) -> int:
    return year - ROC_OFFSET


def parse_day(value: str | date | None) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(value[:10])


def day(value: str | date | None, language: str) -> str:
    found = parse_day(value)
    if found is None:
        return ""
    if language == "zh_TW":
        return f"民國 {roc_year(found.year)} 年 {found.month} 月 {found.day} 日"
    return found.isoformat()


def year(value: int | str, language: str) -> str:
    number = int(value)
    return f"民國 {roc_year(number)} 年" if language == "zh_TW" else str(number)


def moment(value: str | datetime | None, language: str) -> str:
    """A moment (an enrolment window's edge) in Taipei time: its day as ``day`` says, then
    the time of day."""
    if value is None or value == "":
        return ""
    found = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    local = found.astimezone(TAIPEI)
    return f"{day(local.date(), language)} {local:%H:%M}"


def from_local_input(typed_value: str) -> str:
    """A form's ``datetime-local`` value is Taipei time; the API takes an aware moment.
    What is not a moment goes on as typed, for the API to name the field it refuses."""
    try:
        return datetime.fromisoformat(typed_value).replace(tzinfo=TAIPEI).isoformat()
    except ValueError:
        return typed_value


def to_local_input(value: str | None) -> str:
    """An aware moment from the API as a ``datetime-local`` value, in Taipei time."""
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(TAIPEI).strftime("%Y-%m-%dT%H:%M")
