"""Routes of news and marquee lines (R-CRS-12): the network's operators keep them
(``/news-items``, ``/marquee-lines``); anyone reads what is shown now (``/news``, its Atom
feed ``/news/feed.atom``, ``/marquee``), without signing in."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response
from marshmallow import Schema, ValidationError, fields, validate

from servicekit.api import PUBLIC, roles
from servicekit.errors import NotFound
from servicekit.tokens import Principal
from services.courses.api import api
from services.courses.domain.news import (
    AUDIENCES,
    BODY_MAX,
    LINE_MAX,
    PER_PAGE_MAX,
    POSITION_MAX,
    TITLE_MAX,
    YEARS,
)
from services.courses.handlers import news
from services.courses.routes.base import components, path_id, runtime

OPERATORS = roles("operator")


def _plausible(moment: datetime) -> None:
    """Years the service has business with; also keeps a moment at the calendar's very
    edge (year 1 with an offset) from overflowing when it is turned to UTC."""
    if not YEARS[0] <= moment.year <= YEARS[1]:
        raise ValidationError(f"a moment from the year {YEARS[0]} to {YEARS[1]}")


class WindowFields(Schema):
    shown_from = fields.AwareDateTime(required=True, validate=_plausible, metadata={
        "description": "from this moment (ISO 8601 with its offset; stored in UTC)"})
    shown_until = fields.AwareDateTime(
        load_default=None, allow_none=True, validate=_plausible,
        metadata={"description": "until this moment, later than shown_from (none: until "
                                 "withdrawn)"})


class NewsBodySchema(WindowFields):
    title = fields.String(required=True, validate=validate.Length(min=1, max=TITLE_MAX))
    body = fields.String(required=True, validate=validate.Length(min=1, max=BODY_MAX),
                         metadata={"description": "plain text; line breaks kept"})
    audience = fields.String(required=True, validate=validate.OneOf(AUDIENCES))


class NewsItemSchema(Schema):
    id = fields.String()
    title = fields.String()
    body = fields.String()
    audience = fields.String()
    shown_from = fields.AwareDateTime()
    shown_until = fields.AwareDateTime(allow_none=True)
    updated_at = fields.AwareDateTime()
    version = fields.Integer()


class ManagedNewsItemSchema(NewsItemSchema):
    state = fields.String(metadata={"description": "scheduled, shown or ended"})
    created_at = fields.AwareDateTime()
    created_by = fields.String()
    updated_by = fields.String()


class PageQuerySchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=PER_PAGE_MAX))


class FeedQuerySchema(PageQuerySchema):
    audience = fields.String(load_default=None, validate=validate.OneOf(AUDIENCES), metadata={
        "description": "items for this audience and for everyone (everyone: those only)"})


class AtomQuerySchema(Schema):
    audience = fields.String(load_default=None, validate=validate.OneOf(AUDIENCES))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=PER_PAGE_MAX))


class NewsPageSchema(Schema):
    items = fields.List(fields.Nested(NewsItemSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    audience = fields.String(allow_none=True)


class ManagedNewsPageSchema(Schema):
    items = fields.List(fields.Nested(ManagedNewsItemSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class MarqueeBodySchema(WindowFields):
    text = fields.String(required=True, validate=validate.Length(min=1, max=LINE_MAX))
    position = fields.Integer(required=True, validate=validate.Range(min=1, max=POSITION_MAX),
                              metadata={"description": "lines scroll by in this order"})


class MarqueeLineSchema(Schema):
    id = fields.String()
    text = fields.String()
    position = fields.Integer()
    shown_from = fields.AwareDateTime()
    shown_until = fields.AwareDateTime(allow_none=True)


class ManagedMarqueeLineSchema(MarqueeLineSchema):
    state = fields.String()
    version = fields.Integer()
    created_at = fields.AwareDateTime()
    created_by = fields.String()
    updated_at = fields.AwareDateTime()
    updated_by = fields.String()


def _no_content() -> Response:
    return Response(status=204)


def _news_id(value: str) -> str:
    try:
        return path_id(value, "news item")
    except NotFound:  # a malformed id is simply no such item, with the same answer
        raise NotFound(f"no news item {value}", slug="news-not-found") from None


def _line_id(value: str) -> str:
    try:
        return path_id(value, "marquee line")
    except NotFound:
        raise NotFound(f"no marquee line {value}", slug="marquee-line-not-found") from None


# -- anyone ------------------------------------------------------------------------------

@api.route("/news", "GET", allow=PUBLIC, query=FeedQuerySchema, response=NewsPageSchema,
           summary="The news shown now, newest first (R-CRS-12)")
def news_feed(principal: Principal | None, query: dict[str, Any]) -> Any:
    return news.feed(components().uow(), runtime().clock, query["audience"], query["page"],
                     query["per_page"])


@api.route("/news/feed.atom", "GET", allow=PUBLIC, query=AtomQuerySchema,
           summary="The news shown now as an Atom feed (RFC 4287)")
def news_atom(principal: Principal | None, query: dict[str, Any]) -> Any:
    public = runtime().settings.token_issuer.rstrip("/")
    self_url = f"{public}/api/courses/news/feed.atom"
    if query["audience"]:
        self_url += f"?audience={query['audience']}"
    document = news.atom(components().uow(), runtime().clock, query["audience"],
                         query["per_page"], self_url)
    return Response(document, mimetype="application/atom+xml",
                    headers={"X-Content-Type-Options": "nosniff"})


@api.route("/marquee", "GET", allow=PUBLIC, response=MarqueeLineSchema, many=True,
           summary="The marquee lines shown now, in order (R-CRS-12)")
def marquee(principal: Principal | None) -> Any:
    return news.marquee(components().uow(), runtime().clock)


# -- the network's operators -------------------------------------------------------------

@api.route("/news-items", "GET", allow=OPERATORS, query=PageQuerySchema,
           response=ManagedNewsPageSchema,
           summary="Every news item, scheduled, shown or ended (operators)")
def list_news_items(principal: Principal, query: dict[str, Any]) -> Any:
    return news.items_for_operator(components().uow(), runtime().clock, query["page"],
                                   query["per_page"])


@api.route("/news-items", "POST", allow=OPERATORS, body=NewsBodySchema,
           response=ManagedNewsItemSchema, status=201, summary="Publish a news item (operators)")
def create_news_item(principal: Principal, body: dict[str, Any]) -> Any:
    return news.create_item(components().uow(), runtime().clock, principal.subject, body)


@api.route("/news-items/<news_id>", "GET", allow=OPERATORS, response=ManagedNewsItemSchema,
           summary="A news item, shown or not (operators)")
def get_news_item(principal: Principal, news_id: str) -> Any:
    return news.item_for_operator(components().uow(), runtime().clock,
                                  _news_id(news_id))


@api.route("/news-items/<news_id>", "PUT", allow=OPERATORS, body=NewsBodySchema,
           response=ManagedNewsItemSchema, summary="Change a news item, whole (operators)")
def replace_news_item(principal: Principal, news_id: str, body: dict[str, Any]) -> Any:
    return news.replace_item(components().uow(), runtime().clock, principal.subject,
                             _news_id(news_id), body)


@api.route("/news-items/<news_id>", "DELETE", allow=OPERATORS, status=204,
           summary="Withdraw a news item (operators)")
def delete_news_item(principal: Principal, news_id: str) -> Any:
    news.remove_item(components().uow(), _news_id(news_id))
    return _no_content()


@api.route("/marquee-lines", "GET", allow=OPERATORS, response=ManagedMarqueeLineSchema,
           many=True, summary="Every marquee line, scheduled, shown or ended (operators)")
def list_marquee_lines(principal: Principal) -> Any:
    return news.lines_for_operator(components().uow(), runtime().clock)


@api.route("/marquee-lines", "POST", allow=OPERATORS, body=MarqueeBodySchema,
           response=ManagedMarqueeLineSchema, status=201,
           summary="Add a marquee line (operators)")
def create_marquee_line(principal: Principal, body: dict[str, Any]) -> Any:
    return news.create_line(components().uow(), runtime().clock, principal.subject, body)


@api.route("/marquee-lines/<line_id>", "PUT", allow=OPERATORS, body=MarqueeBodySchema,
           response=ManagedMarqueeLineSchema, summary="Change a marquee line, whole (operators)")
def replace_marquee_line(principal: Principal, line_id: str, body: dict[str, Any]) -> Any:
    return news.replace_line(components().uow(), runtime().clock, principal.subject,
                             _line_id(line_id), body)


@api.route("/marquee-lines/<line_id>", "DELETE", allow=OPERATORS, status=204,
           summary="Withdraw a marquee line (operators)")
def delete_marquee_line(principal: Principal, line_id: str) -> Any:
    news.remove_line(components().uow(), _line_id(line_id))
    return _no_content()
