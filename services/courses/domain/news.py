"""News and marquee lines (R-CRS-12): what the network's operators announce, to whom, and
when. An item is public only inside its window (``shown_from`` ≤ now < ``shown_until``; no
``shown_until``: until it is withdrawn). Plain Python: the edge checks shapes, these rules
check meaning."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from servicekit.errors import Invalid

# Who an item is addressed to. ``everyone`` reaches every reader; a filter for one of the
# others also gets the items addressed to everyone.
EVERYONE, TEACHERS, BUSINESS, REVIEWERS = "everyone", "teachers", "business", "reviewers"
AUDIENCES = (EVERYONE, TEACHERS, BUSINESS, REVIEWERS)

TITLE_MAX = 200
BODY_MAX = 10_000
LINE_MAX = 100  # a marquee line is read while it scrolls by
POSITION_MAX = 1000
PER_PAGE_MAX = 50
YEARS = (2000, 2999)  # a window's moments fall in these years

# Plain text only: no control character but line breaks and tabs in a body (none at all in
# a title or a marquee line). XML 1.0 cannot carry the others, and the Atom feed is XML.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_OR_BREAK = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


@dataclass(frozen=True)
class Window:
    shown_from: datetime
    shown_until: datetime | None

    def holds(self, moment: datetime) -> bool:
        return self.shown_from <= moment and (self.shown_until is None
                                              or moment < self.shown_until)

    def state(self, moment: datetime) -> str:
        """``scheduled``, ``shown`` or ``ended`` at the moment."""
        if moment < self.shown_from:
            return "scheduled"
        return "shown" if self.holds(moment) else "ended"


@dataclass(frozen=True)
class NewsItem:
    news_id: str
    title: str
    body: str
    audience: str
    window: Window
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    version: int = 1


@dataclass(frozen=True)
class MarqueeLine:
    line_id: str
    text: str
    position: int
    window: Window
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    version: int = 1


def audiences_for(audience: str | None) -> tuple[str, ...] | None:
    """The audiences a reader filtering by ``audience`` sees (None: every item)."""
    if audience is None:
        return None
    if audience not in AUDIENCES:
        raise invalid({"audience": [f"one of {', '.join(AUDIENCES)}"]})
    return (EVERYONE,) if audience == EVERYONE else (audience, EVERYONE)


def invalid(errors: Mapping[str, list[str]]) -> Invalid:
    return Invalid("validation-failed", "The request is not valid",
                   "See `errors` for each field.", errors=dict(errors))


def check_window(window: Window) -> None:
    if window.shown_from.tzinfo is None or (window.shown_until is not None
                                            and window.shown_until.tzinfo is None):
        raise invalid({"shown_from": ["a moment with its offset (ISO 8601)"]})
    if window.shown_until is not None and window.shown_until <= window.shown_from:
        raise Invalid("reversed-window", "The window ends before it starts",
                      "shown_until must be later than shown_from.",
                      errors={"shown_until": ["later than shown_from"]})


def _text(errors: dict[str, list[str]], name: str, value: str, limit: int,
          breaks: bool) -> None:
    if not value.strip():
        errors[name] = ["not empty"]
    elif len(value) > limit:
        errors[name] = [f"at most {limit} characters"]
    elif (_CONTROL if breaks else _CONTROL_OR_BREAK).search(value):
        errors[name] = ["plain text: no control characters" + ("" if breaks else
                                                                 " or line breaks")]


def check_item(item: NewsItem) -> None:
    errors: dict[str, list[str]] = {}
    _text(errors, "title", item.title, TITLE_MAX, breaks=False)
    _text(errors, "body", item.body, BODY_MAX, breaks=True)
    if item.audience not in AUDIENCES:
        errors["audience"] = [f"one of {', '.join(AUDIENCES)}"]
    if errors:
        raise invalid(errors)
    check_window(item.window)


def check_line(line: MarqueeLine) -> None:
    errors: dict[str, list[str]] = {}
    _text(errors, "text", line.text, LINE_MAX, breaks=False)
    if not 1 <= line.position <= POSITION_MAX:
        errors["position"] = [f"1 to {POSITION_MAX}"]
    if errors:
        raise invalid(errors)
    check_window(line.window)


def normalise_breaks(text: str) -> str:
    """Line breaks as one ``\\n`` whatever the client sent (CRLF from a form, CR alone)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")
