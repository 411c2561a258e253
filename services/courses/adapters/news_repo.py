"""News items and marquee lines in the courses database (R-CRS-12)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from servicekit.dml import rows_changed
from services.courses.adapters.orm import marquee_lines, news_items
from services.courses.domain.news import MarqueeLine, NewsItem, Window

_STAMPS = ("created_at", "created_by", "updated_at", "updated_by", "version")


def _in_window(table: Table, moment: datetime) -> ColumnElement[bool]:
    c = table.c
    return and_(c.shown_from <= moment, or_(c.shown_until.is_(None), c.shown_until > moment))


def _item(row: Any) -> NewsItem:
    return NewsItem(row.news_id, row.title, row.body, row.audience,
                    Window(row.shown_from, row.shown_until),
                    **{name: getattr(row, name) for name in _STAMPS})


def _line(row: Any) -> MarqueeLine:
    return MarqueeLine(row.line_id, row.text, row.position,
                       Window(row.shown_from, row.shown_until),
                       **{name: getattr(row, name) for name in _STAMPS})


def _stamps(thing: NewsItem | MarqueeLine) -> dict[str, Any]:
    return {"shown_from": thing.window.shown_from, "shown_until": thing.window.shown_until,
            **{name: getattr(thing, name) for name in _STAMPS}}


class NewsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- news items -------------------------------------------------------------------------

    def add_item(self, item: NewsItem) -> None:
        self.session.execute(insert(news_items).values(
            news_id=item.news_id, title=item.title, body=item.body, audience=item.audience,
            **_stamps(item)))

    def replace_item(self, item: NewsItem) -> None:
        self.session.execute(update(news_items).where(news_items.c.news_id == item.news_id)
                             .values(title=item.title, body=item.body, audience=item.audience,
                                     **_stamps(item)))

    def item(self, news_id: str, for_update: bool = False) -> NewsItem | None:
        query = select(news_items).where(news_items.c.news_id == news_id)
        row = self.session.execute(query.with_for_update() if for_update else query).first()
        return _item(row) if row else None

    def remove_item(self, news_id: str) -> bool:
        done = self.session.execute(delete(news_items).where(news_items.c.news_id == news_id))
        return bool(rows_changed(done))

    def items(self, offset: int, limit: int, shown_at: datetime | None = None,
              audiences: Sequence[str] | None = None) -> tuple[list[NewsItem], int]:
        """A page of items, newest window first, and how many there are in all; only those
        shown at ``shown_at`` and addressed to ``audiences`` where given."""
        c = news_items.c
        conditions: list[ColumnElement[bool]] = []
        if shown_at is not None:
            conditions.append(_in_window(news_items, shown_at))
        if audiences is not None:
            conditions.append(c.audience.in_(list(audiences)))
        total = self.session.execute(
            select(func.count()).select_from(news_items).where(*conditions)).scalar_one()
        rows = self.session.execute(select(news_items).where(*conditions)
                                    .order_by(c.shown_from.desc(), c.news_id)
                                    .offset(offset).limit(limit))
        return [_item(row) for row in rows], int(total)

    # -- marquee lines ----------------------------------------------------------------------

    def add_line(self, line: MarqueeLine) -> None:
        self.session.execute(insert(marquee_lines).values(
            line_id=line.line_id, text=line.text, position=line.position, **_stamps(line)))

    def replace_line(self, line: MarqueeLine) -> None:
        self.session.execute(update(marquee_lines)
                             .where(marquee_lines.c.line_id == line.line_id)
                             .values(text=line.text, position=line.position, **_stamps(line)))

    def line(self, line_id: str, for_update: bool = False) -> MarqueeLine | None:
        query = select(marquee_lines).where(marquee_lines.c.line_id == line_id)
        row = self.session.execute(query.with_for_update() if for_update else query).first()
        return _line(row) if row else None

    def remove_line(self, line_id: str) -> bool:
        done = self.session.execute(delete(marquee_lines)
                                    .where(marquee_lines.c.line_id == line_id))
        return bool(rows_changed(done))

    def lines(self, shown_at: datetime | None = None,
              limit: int | None = None) -> list[MarqueeLine]:
        """Every line (or those shown at ``shown_at``) in the order they scroll by."""
        c = marquee_lines.c
        query = select(marquee_lines).order_by(c.position, c.shown_from, c.line_id).limit(limit)
        if shown_at is not None:
            query = query.where(_in_window(marquee_lines, shown_at))
        return [_line(row) for row in self.session.execute(query)]
