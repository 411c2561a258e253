"""The rules of news windows and audiences (R-CRS-12) and of calendar addresses (RFC 5545
feeds), without a database. Expectations written by hand."""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from servicekit.errors import Invalid
from services.courses.domain import calendars
from services.courses.domain.news import (
    NewsItem,
    Window,
    audiences_for,
    check_item,
    normalise_breaks,
)
from services.courses.handlers.news import window_of

FROM = datetime(2026, 3, 1, tzinfo=UTC)


def item(**changes) -> NewsItem:
    values = {"news_id": "n", "title": "公告", "body": "內容", "audience": "everyone",
              "window": Window(FROM, FROM + timedelta(days=7)), "created_at": FROM,
              "created_by": "op", "updated_at": FROM, "updated_by": "op"}
    return NewsItem(**{**values, **changes})


def test_a_window_holds_from_its_start_up_to_but_not_at_its_end() -> None:
    window = Window(FROM, FROM + timedelta(days=1))
    assert [window.holds(FROM - timedelta(seconds=1)), window.holds(FROM),
            window.holds(FROM + timedelta(hours=23)), window.holds(FROM + timedelta(days=1))] == [
        False, True, True, False]
    assert [window.state(FROM - timedelta(1)), window.state(FROM),
            window.state(FROM + timedelta(2))] == ["scheduled", "shown", "ended"]
    assert Window(FROM, None).holds(FROM + timedelta(days=10_000))


def test_a_reader_of_one_audience_also_gets_what_is_for_everyone() -> None:
    assert audiences_for(None) is None
    assert audiences_for("teachers") == ("teachers", "everyone")
    assert audiences_for("reviewers") == ("reviewers", "everyone")
    assert audiences_for("everyone") == ("everyone",)
    with pytest.raises(Invalid):
        audiences_for("parents")


@pytest.mark.parametrize("changes, slug, field", [
    ({"window": Window(FROM, FROM)}, "reversed-window", "shown_until"),
    ({"window": Window(FROM, FROM - timedelta(seconds=1))}, "reversed-window", "shown_until"),
    ({"title": "  "}, "validation-failed", "title"),
    ({"title": "一\r二"}, "validation-failed", "title"),
    ({"title": "x" * 201}, "validation-failed", "title"),
    ({"body": "\x1b[31m紅字"}, "validation-failed", "body"),
    ({"body": "x" * 10_001}, "validation-failed", "body"),
    ({"audience": "parents"}, "validation-failed", "audience"),
])
def test_an_item_breaking_a_rule_is_refused_naming_the_field(changes, slug, field) -> None:
    with pytest.raises(Invalid) as refused:
        check_item(item(**changes))
    assert (refused.value.slug, list(refused.value.facts["errors"])) == (slug, [field])


def test_plain_text_keeps_line_breaks_and_tabs_and_markup_as_text() -> None:
    check_item(item(body="第一行\n\t第二行 <b>不是粗體</b>", window=Window(FROM, None)))
    assert normalise_breaks("a\r\nb\rc\n") == "a\nb\nc\n"


def test_a_calendar_token_is_random_url_safe_and_kept_as_its_sha256() -> None:
    first, second = calendars.new_token(), calendars.new_token()
    assert first != second and calendars.well_formed(first) and len(first) == 43
    assert calendars.digest(first) == hashlib.sha256(first.encode()).hexdigest()
    assert not calendars.well_formed("short")
    assert not calendars.well_formed("é" * 43)
    assert not calendars.well_formed(first + "/")


def test_a_seat_held_is_confirmed_and_a_wait_is_tentative() -> None:
    assert [calendars.status_of(state) for state in ("enrolled", "pending", "waitlisted",
                                                     "applied")] == [
        "CONFIRMED", "CONFIRMED", "TENTATIVE", "TENTATIVE"]
    assert set(calendars.SHOWN_STATES).isdisjoint({"cancelled", "declined", "not_drawn"})


def test_a_moment_without_its_offset_is_refused_before_it_is_read_as_local_time() -> None:
    naive = datetime(2026, 3, 1, 8, 0, tzinfo=UTC).replace(tzinfo=None)
    with pytest.raises(Invalid) as refused:
        window_of({"shown_from": naive, "shown_until": None})
    assert refused.value.slug == "validation-failed"
    taipei = window_of({"shown_from": datetime.fromisoformat("2026-03-01T08:00:00+08:00"),
                      "shown_until": None})
    assert taipei.shown_from == datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    assert taipei.shown_from.utcoffset() == timedelta(0)
