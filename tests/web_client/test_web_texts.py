"""Issue 14 point 2: every text of the pages is in the zh-TW catalogue, translated; dates
from one place — the Republic of China year in Chinese, ISO in English."""
from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from web import dates

WEB = Path(__file__).resolve().parents[2] / "web"
CATALOGUE = WEB / "translations" / "zh_Hant_TW" / "LC_MESSAGES" / "messages.po"


def _texts_in_the_code() -> set[str]:
    methods = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}
    return {message[2] if isinstance(message[2], str) else message[2][0]
            for message in extract_from_dir(str(WEB), methods, keywords=keywords)}


def test_every_text_of_the_pages_is_translated_into_chinese() -> None:
    catalogue = read_po(io.BytesIO(CATALOGUE.read_bytes()))
    translated = {message.id: message.string for message in catalogue if message.id}
    missing = sorted(text for text in _texts_in_the_code() if not translated.get(text))
    assert not missing, f"not in the zh-TW catalogue, or not translated: {missing}"
    fuzzy = [message.id for message in catalogue if message.id and message.fuzzy]
    assert not fuzzy, f"guessed translations to check: {fuzzy}"


def test_the_enrol_and_cancel_buttons_say_what_teachers_know() -> None:
    catalogue = read_po(io.BytesIO(CATALOGUE.read_bytes()))
    assert catalogue["Enrol"].string == "報名"
    assert catalogue["Cancel enrolment"].string == "取消報名"


def test_days_are_roc_years_in_chinese_and_iso_in_english() -> None:
    assert dates.day("2026-03-05", "zh_TW") == "民國 115 年 3 月 5 日"
    assert dates.day(date(1912, 1, 1), "zh_TW") == "民國 1 年 1 月 1 日"
    assert dates.day("2026-03-05", "en") == "2026-03-05"
    assert dates.year(2017, "zh_TW") == "民國 106 年" and dates.year(2017, "en") == "2017"
    assert dates.day(None, "zh_TW") == ""


def test_moments_are_in_taipei_time() -> None:
    midnight_utc = datetime(2026, 3, 4, 16, 0, tzinfo=UTC)
    assert dates.moment(midnight_utc, "en") == "2026-03-05 00:00"
    assert dates.moment("2026-03-04T16:00:00+00:00", "zh_TW") == "民國 115 年 3 月 5 日 00:00"
