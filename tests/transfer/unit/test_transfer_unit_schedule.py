"""R-TRF-5, R-TRF-6, R-TRF-11 (issue 12 item 6): the audit calendar on its edges (the
first production year, the quarter months, January's annual audit), the deadlines of
monthly files and daily pushes, silent sources, and the title normalisation of the
duplicate match rule."""
from __future__ import annotations

from datetime import date

import pytest

from services.transfer.domain.schedule import (
    ANNUAL,
    LATE,
    MISSING,
    MONTHLY,
    ON_TIME,
    PENDING,
    QUARTERLY,
    add_months,
    audits_due,
    daily_push_status,
    deadline,
    monthly_file_status,
    owes,
    parse_month,
    silent,
)
from services.transfer.domain.titles import normalised_title, title_digest


def kinds(opened: date, month: date) -> dict[str, tuple[date, date]]:
    return {a.kind: (a.first_month, a.last_month) for a in audits_due(opened, month)}


def test_monthly_audits_cover_the_first_production_year() -> None:
    opened = date(2024, 3, 20)  # the opening month counts as the first
    assert kinds(opened, date(2024, 3, 1)) == {}  # nothing before it opened
    assert kinds(opened, date(2024, 4, 1)) == {MONTHLY: (date(2024, 3, 1), date(2024, 3, 1))}
    # 2025-02 is the twelfth month: its monthly audit opens in 2025-03; 2025-03 has none.
    assert kinds(opened, date(2025, 3, 1)) == {MONTHLY: (date(2025, 2, 1), date(2025, 2, 1))}
    assert kinds(opened, date(2025, 4, 1)) == {QUARTERLY: (date(2025, 3, 1),
                                                           date(2025, 3, 1))}
    assert kinds(opened, date(2025, 5, 1)) == {}
    assert kinds(opened, date(2025, 7, 1)) == {QUARTERLY: (date(2025, 4, 1),
                                                           date(2025, 6, 1))}


def test_january_has_the_annual_audit_and_the_quarter_and_a_first_year_month() -> None:
    opened = date(2024, 6, 1)
    assert kinds(opened, date(2025, 1, 1)) == {
        MONTHLY: (date(2024, 12, 1), date(2024, 12, 1)),
        ANNUAL: (date(2024, 6, 1), date(2024, 12, 1))}
    assert kinds(opened, date(2026, 1, 1)) == {
        QUARTERLY: (date(2025, 10, 1), date(2025, 12, 1)),
        ANNUAL: (date(2025, 1, 1), date(2025, 12, 1))}
    # Opened in December: the January annual audit covers that one month.
    assert kinds(date(2024, 12, 31), date(2025, 1, 1))[ANNUAL] == (date(2024, 12, 1),
                                                                  date(2024, 12, 1))
    # A source opened long ago: quarterly and annual only.
    assert set(kinds(date(2010, 1, 1), date(2013, 1, 1))) == {QUARTERLY, ANNUAL}
    assert kinds(date(2010, 1, 1), date(2013, 2, 1)) == {}


def test_a_monthly_file_is_due_by_the_fifth() -> None:
    march = date(2026, 3, 1)
    assert deadline(march) == date(2026, 4, 5) and deadline(date(2026, 12, 1)) == date(2027, 1, 5)
    assert monthly_file_status(march, [date(2026, 4, 5)], date(2026, 4, 6)).status == ON_TIME
    assert monthly_file_status(march, [date(2026, 4, 6)], date(2026, 4, 6)).status == LATE
    # A file in March is not March's report (its courses had not all closed yet).
    assert monthly_file_status(march, [date(2026, 3, 31)], date(2026, 4, 5)).status == PENDING
    assert monthly_file_status(march, [date(2026, 3, 31)], date(2026, 4, 6)).status == MISSING
    found = monthly_file_status(march, [date(2026, 5, 2), date(2026, 4, 2)], date(2026, 6, 1))
    assert found.reported_on == date(2026, 4, 2) and found.status == ON_TIME
    assert owes("monthly_file", date(2026, 4, 5), march)
    assert not owes("monthly_file", date(2026, 4, 6), march)


def test_a_daily_push_is_late_after_a_silence_longer_than_the_setting() -> None:
    may = date(2026, 5, 1)
    every_third = [date(2026, 5, d) for d in range(1, 32, 3)]
    assert daily_push_status(may, date(2020, 1, 1), every_third, date(2026, 6, 1), 2).status \
        == ON_TIME
    assert daily_push_status(may, date(2020, 1, 1), every_third, date(2026, 6, 1), 1).status \
        == LATE
    # Silent since the 20th: the end of the month counts as a silence too.
    early = [date(2026, 5, d) for d in range(1, 21)]
    status = daily_push_status(may, date(2020, 1, 1), early, date(2026, 6, 1), 3)
    assert status.status == LATE and status.longest_silence == 11
    # While May runs, only the days up to today count.
    assert daily_push_status(may, date(2020, 1, 1), early, date(2026, 5, 22), 3).status \
        == ON_TIME
    assert daily_push_status(may, date(2020, 1, 1), [], date(2026, 6, 1), 3).status == MISSING
    # Opened on the 25th: the window starts then.
    assert daily_push_status(may, date(2026, 5, 25), [date(2026, 5, 28)], date(2026, 6, 1),
                             3).status == ON_TIME
    assert not owes("daily_push", date(2026, 6, 1), may)


def test_silent_sources_and_months() -> None:
    since = date(2013, 1, 1)
    assert silent(None, date(2010, 5, 1), since)
    assert silent(date(2012, 12, 31), date(2010, 5, 1), since)
    assert not silent(date(2013, 1, 1), date(2010, 5, 1), since)
    assert not silent(None, date(2013, 1, 1), since)  # opened since: not had the chance
    assert parse_month("2026-03") == date(2026, 3, 1) and add_months(date(2026, 1, 1), -1) \
        == date(2025, 12, 1)
    for bad in ("2026-3", "2026-13", "march", "2026/03"):
        with pytest.raises(ValueError):
            parse_month(bad)


@pytest.mark.parametrize("one, other", [
    ("閱讀素養教學（進階）", "閱讀素養教學 (進階)"),
    ("ＳＴＥＡＭ　教育", "steam教育"),
    ("「數位學習」工作坊", '"數位學習"工作坊'),
    ("國語文、數學。", "國語文,數學."),
    ("教學—實作", "教學-實作"),
])
def test_titles_typed_differently_match(one: str, other: str) -> None:
    assert normalised_title(one) == normalised_title(other)
    assert title_digest(one) == title_digest(other)


def test_different_titles_do_not_match() -> None:
    assert normalised_title("閱讀素養教學") != normalised_title("閱讀素養教學(進階)")
