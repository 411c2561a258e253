"""News and marquee lines (R-CRS-12): the network's operators write them; anyone reads
those inside their window, as JSON or as an Atom feed (RFC 4287)."""
from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree

from servicekit.clock import Clock
from servicekit.errors import Conflict, Invalid, NotFound
from services.courses.adapters.uow import CoursesUnitOfWork
from services.courses.domain.news import (
    MarqueeLine,
    NewsItem,
    Window,
    audiences_for,
    check_item,
    check_line,
    check_window,
    normalise_breaks,
)

ATOM = "http://www.w3.org/2005/Atom"
XML = "http://www.w3.org/XML/1998/namespace"
FEED_TITLE = "全國教師在職進修資訊網 最新消息"
FEED_AUTHOR = "全國教師在職進修資訊網"
MARQUEE_MAX = 50  # lines shown at once, at most


def window_of(fields: dict[str, Any]) -> Window:
    """Kept in UTC whatever offset the operator wrote; a moment without one is refused
    (it would be read as this machine's local time)."""
    window = Window(fields["shown_from"], fields.get("shown_until"))
    check_window(window)
    until = window.shown_until
    return Window(window.shown_from.astimezone(UTC),
                  until.astimezone(UTC) if until is not None else None)


def item_view(item: NewsItem, now: datetime | None = None) -> dict[str, Any]:
    view = {"id": item.news_id, "title": item.title, "body": item.body,
            "audience": item.audience, "shown_from": item.window.shown_from,
            "shown_until": item.window.shown_until, "updated_at": item.updated_at,
            "version": item.version}
    if now is not None:  # the operators' view: whether it is shown now
        view |= {"state": item.window.state(now), "created_at": item.created_at,
                 "created_by": item.created_by, "updated_by": item.updated_by}
    return view


def line_view(line: MarqueeLine, now: datetime | None = None) -> dict[str, Any]:
    view = {"id": line.line_id, "text": line.text, "position": line.position,
            "shown_from": line.window.shown_from, "shown_until": line.window.shown_until}
    if now is not None:
        view |= {"state": line.window.state(now), "version": line.version,
                 "created_at": line.created_at, "created_by": line.created_by,
                 "updated_at": line.updated_at, "updated_by": line.updated_by}
    return view


def _page(page: int, per_page: int, total: int) -> None:
    if page > 1 and (page - 1) * per_page >= total:
        raise Invalid("page-beyond-end", "The page is past the last",
                      f"page: there are {total} items, fewer than page {page} starts at",
                      parameter="page", errors={"page": ["past the last page"]})


# -- operators ---------------------------------------------------------------------------

def create_item(work: CoursesUnitOfWork, clock: Clock, author: str, fields: dict[str, Any],
                news_id: str | None = None) -> dict[str, Any]:
    """``news_id``: the demo seed's (derived from a name, so seeding again finds it)."""
    now = clock.now()
    item = NewsItem(news_id or str(uuid.uuid4()), fields["title"],
                    normalise_breaks(fields["body"]), fields["audience"], window_of(fields), now,
                    author, now, author)
    check_item(item)
    with work:
        if news_id is not None and work.news.item(news_id) is not None:
            raise Conflict("news-exists", "The news item exists", f"news item {news_id}")
        work.news.add_item(item)
    return item_view(item, now)


def replace_item(work: CoursesUnitOfWork, clock: Clock, author: str, news_id: str,
                 fields: dict[str, Any]) -> dict[str, Any]:
    now = clock.now()
    with work:
        known = work.news.item(news_id, for_update=True)
        if known is None:
            raise NotFound(f"no news item {news_id}", slug="news-not-found")
        item = replace(known, title=fields["title"], body=normalise_breaks(fields["body"]),
                       audience=fields["audience"], window=window_of(fields), updated_at=now,
                       updated_by=author, version=known.version + 1)
        check_item(item)
        work.news.replace_item(item)
    return item_view(item, now)


def remove_item(work: CoursesUnitOfWork, news_id: str) -> None:
    with work:
        if not work.news.remove_item(news_id):
            raise NotFound(f"no news item {news_id}", slug="news-not-found")


def item_for_operator(work: CoursesUnitOfWork, clock: Clock, news_id: str) -> dict[str, Any]:
    with work:
        item = work.news.item(news_id)
    if item is None:
        raise NotFound(f"no news item {news_id}", slug="news-not-found")
    return item_view(item, clock.now())


def items_for_operator(work: CoursesUnitOfWork, clock: Clock, page: int,
                       per_page: int) -> dict[str, Any]:
    """Every item, shown or not (scheduled, ended), newest window first."""
    now = clock.now()
    with work:
        items, total = work.news.items((page - 1) * per_page, per_page)
    _page(page, per_page, total)
    return {"items": [item_view(item, now) for item in items], "total": total,
            "page": page, "per_page": per_page}


def create_line(work: CoursesUnitOfWork, clock: Clock, author: str, fields: dict[str, Any],
                line_id: str | None = None) -> dict[str, Any]:
    now = clock.now()
    line = MarqueeLine(line_id or str(uuid.uuid4()), fields["text"], fields["position"],
                       window_of(fields), now, author, now, author)
    check_line(line)
    with work:
        if line_id is not None and work.news.line(line_id) is not None:
            raise Conflict("marquee-line-exists", "The marquee line exists",
                           f"marquee line {line_id}")
        work.news.add_line(line)
    return line_view(line, now)


def replace_line(work: CoursesUnitOfWork, clock: Clock, author: str, line_id: str,
                 fields: dict[str, Any]) -> dict[str, Any]:
    now = clock.now()
    with work:
        known = work.news.line(line_id, for_update=True)
        if known is None:
            raise NotFound(f"no marquee line {line_id}", slug="marquee-line-not-found")
        line = replace(known, text=fields["text"], position=fields["position"],
                       window=window_of(fields), updated_at=now, updated_by=author,
                       version=known.version + 1)
        check_line(line)
        work.news.replace_line(line)
    return line_view(line, now)


def remove_line(work: CoursesUnitOfWork, line_id: str) -> None:
    with work:
        if not work.news.remove_line(line_id):
            raise NotFound(f"no marquee line {line_id}", slug="marquee-line-not-found")


def lines_for_operator(work: CoursesUnitOfWork, clock: Clock) -> list[dict[str, Any]]:
    now = clock.now()
    with work:
        return [line_view(line, now) for line in work.news.lines()]


# -- anyone ------------------------------------------------------------------------------

def shown_items(work: CoursesUnitOfWork, clock: Clock, audience: str | None, page: int,
                per_page: int) -> tuple[list[NewsItem], int]:
    audiences = audiences_for(audience)
    with work:
        items, total = work.news.items((page - 1) * per_page, per_page, clock.now(), audiences)
    _page(page, per_page, total)
    return items, total


def feed(work: CoursesUnitOfWork, clock: Clock, audience: str | None, page: int,
         per_page: int) -> dict[str, Any]:
    items, total = shown_items(work, clock, audience, page, per_page)
    return {"items": [item_view(item) for item in items], "total": total, "page": page,
            "per_page": per_page, "audience": audience}


def marquee(work: CoursesUnitOfWork, clock: Clock) -> list[dict[str, Any]]:
    with work:
        return [line_view(line) for line in work.news.lines(clock.now(), MARQUEE_MAX)]


def _stamp(moment: datetime) -> str:
    """RFC 3339 (Atom's date construct), with its offset."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _updated(item: NewsItem) -> datetime:
    """An item appears in the feed when its window opens: that changes the feed too."""
    return max(item.updated_at, item.window.shown_from)


def atom(work: CoursesUnitOfWork, clock: Clock, audience: str | None, per_page: int,
         self_url: str) -> bytes:
    """The newest items shown now as an Atom feed (RFC 4287). Text goes in as text nodes and
    attribute values, which ElementTree escapes; nothing an operator wrote becomes markup."""
    items, _total = shown_items(work, clock, audience, 1, per_page)
    ElementTree.register_namespace("", ATOM)

    def child(parent: ElementTree.Element, name: str, text: str | None = None,
              **attributes: str) -> ElementTree.Element:
        element = ElementTree.SubElement(parent, f"{{{ATOM}}}{name}", attributes)
        element.text = text
        return element

    root = ElementTree.Element(f"{{{ATOM}}}feed", {f"{{{XML}}}lang": "zh-TW"})
    child(root, "id", self_url)
    child(root, "title", FEED_TITLE, type="text")
    child(root, "updated", _stamp(max((_updated(item) for item in items),
                                      default=clock.now())))
    author = child(root, "author")
    child(author, "name", FEED_AUTHOR)
    child(root, "link", rel="self", type="application/atom+xml", href=self_url)
    for item in items:
        entry = child(root, "entry")
        child(entry, "id", f"urn:uuid:{item.news_id}")
        child(entry, "title", item.title, type="text")
        child(entry, "published", _stamp(item.window.shown_from))
        child(entry, "updated", _stamp(_updated(item)))
        child(entry, "category", term=item.audience)
        child(entry, "content", item.body, type="text")
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
