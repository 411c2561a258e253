"""News and the marquee (R-CRS-12): what the network's operators announce, read by anyone
at ``/news`` (the items for the person's audience, with the Atom feed named for feed
readers) and the marquee lines on every page; and the operators' pages that publish,
change and withdraw both. Text is plain: Jinja escapes it and the stylesheet keeps its
line breaks, so nothing an operator types becomes markup."""
from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from web.api import ApiUnavailable
from web.auth import has_role, person, requires
from web.components import components
from web.dates import from_local_input, to_local_input
from web.messages import field_errors, problem_text
from web.pages.calls import as_anyone, as_person, found

bp = Blueprint("news", __name__)
OPERATORS = ("operator", "admin")
AUDIENCES = {"everyone": _l("Everyone"), "teachers": _l("Teachers"),
             "business": _l("Units' business accounts"), "reviewers": _l("Reviewers")}
ITEM_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
MARQUEE_SECONDS = 60.0  # the lines change rarely and every page shows them
_marquee_lock = threading.Lock()
_news_lock = threading.Lock()
monotonic = time.monotonic  # the caches' clock (tests move it)


def audience() -> str:
    """The audience a person reads as: a teacher the teachers' items, and so on; signed out
    (or staff), every item shown now."""
    if person() is None:
        return ""
    for role, name in (("teacher", "teachers"), ("business", "business"),
                       ("reviewer", "reviewers")):
        if has_role(role):
            return name
    return ""


def marquee() -> list[dict[str, Any]]:
    """The lines in force, kept a minute per process; none when the API does not answer
    (a page never fails for its marquee)."""
    cache = current_app.extensions.setdefault("web.marquee", {})
    with _marquee_lock:
        if cache.get("until", 0.0) > monotonic():
            return list(cache["lines"])
    try:
        answer = components().api.get("/api/courses/marquee")
        lines = list(answer.body or []) if answer.ok else []
    except ApiUnavailable:  # the page says so if it needs the API; the strip just stays empty
        lines = []
    with _marquee_lock:
        cache.update(lines=lines, until=monotonic() + (MARQUEE_SECONDS if lines else 10.0))
    return lines


def latest(count: int = 3) -> list[dict[str, Any]]:
    """The front page's latest items for the person's audience, kept per audience in this
    process for ``WEB_NEWS_CACHE_SECONDS`` (the API's answer depends on the audience alone).
    Only time renews them, so an item published or withdrawn reaches the front page within
    that time (the news page itself asks every time); an answer that failed is not kept."""
    reader = audience()
    cache = current_app.extensions.setdefault("web.front_news", {})
    with _news_lock:
        kept = cache.get((reader, count))
        if kept is not None and kept[0] > monotonic():
            return list(kept[1])
    params: dict[str, Any] = {"per_page": count}
    if reader:
        params["audience"] = reader
    answer = as_anyone("GET", "/api/courses/news", params=params)
    if not answer.ok:
        return []
    items = list(answer.body.get("items", []))
    with _news_lock:
        cache[(reader, count)] = (monotonic() + components().settings.news_cache_seconds, items)
    return items


# -- anyone -------------------------------------------------------------------------------

@bp.get("/news")
def news() -> ResponseReturnValue:
    params: dict[str, Any] = {"page": request.args.get("page", "1")}
    if audience():
        params["audience"] = audience()
    answer = as_anyone("GET", "/api/courses/news", params=params)
    if answer.status == 422:
        abort(404)  # a page beyond the end
    page = found(answer)
    return render_template("news/list.html", page=page, audiences=AUDIENCES)


# -- operators ----------------------------------------------------------------------------

@bp.get("/operator/news")
@requires(*OPERATORS)
def manage_news() -> ResponseReturnValue:
    return _news_page(typed=_editing_item(), errors={})


@bp.post("/operator/news")
@requires(*OPERATORS)
def save_news() -> ResponseReturnValue:
    body = {"title": request.form.get("title", "").strip(),
            "body": request.form.get("body", "").replace("\r\n", "\n").strip(),
            "audience": request.form.get("audience", "everyone"),
            **_window(request.form)}
    return _save("/api/courses/news-items", body, _news_page, "/operator/news",
                 _("The news item is saved."))


@bp.post("/operator/news/<item_id>/withdrawal")
@requires(*OPERATORS)
def withdraw_news(item_id: str) -> ResponseReturnValue:
    return _withdraw(f"/api/courses/news-items/{_item_id(item_id)}", "/operator/news",
                     _("The news item is withdrawn."))


@bp.get("/operator/marquee")
@requires(*OPERATORS)
def manage_marquee() -> ResponseReturnValue:
    return _marquee_page(typed=_editing_line(), errors={})


@bp.post("/operator/marquee")
@requires(*OPERATORS)
def save_marquee() -> ResponseReturnValue:
    body: dict[str, Any] = {"text": request.form.get("text", "").strip(),
                            "position": _number(request.form.get("position")),
                            **_window(request.form)}
    current_app.extensions.pop("web.marquee", None)  # the next page shows the change
    return _save("/api/courses/marquee-lines", body, _marquee_page, "/operator/marquee",
                 _("The marquee line is saved."))


@bp.post("/operator/marquee/<line_id>/withdrawal")
@requires(*OPERATORS)
def withdraw_marquee(line_id: str) -> ResponseReturnValue:
    current_app.extensions.pop("web.marquee", None)
    return _withdraw(f"/api/courses/marquee-lines/{_item_id(line_id)}", "/operator/marquee",
                     _("The marquee line is withdrawn."))


def _save(collection: str, body: dict[str, Any], page: Callable[..., ResponseReturnValue],
          back: str, done: str) -> ResponseReturnValue:
    """Publishes (no ``id`` in the form) or replaces the one named; a refusal comes back on
    the page with what was typed and the API's notes beside the fields."""
    item_id = request.form.get("id", "")
    answer = (as_person("PUT", f"{collection}/{_item_id(item_id)}", json=body) if item_id
              else as_person("POST", collection, json=body))
    if answer.status in (403, 404):
        abort(404)
    if not answer.ok:
        flash(problem_text(answer), "problem")
        return page(typed=request.form, errors=field_errors(answer), status=422)
    flash(done, "success")
    return redirect(back)


def _withdraw(path: str, back: str, done: str) -> ResponseReturnValue:
    answer = as_person("DELETE", path)
    if answer.status in (403, 404):
        abort(404)
    flash(done if answer.ok else problem_text(answer), "success" if answer.ok else "problem")
    return redirect(back)


def _news_page(typed: Any, errors: dict[str, str], status: int = 200) -> ResponseReturnValue:
    items = found(as_person("GET", "/api/courses/news-items",
                            params={"page": request.args.get("page", "1"), "per_page": 50}))
    return render_template("operator/news.html", items=items, typed=typed, errors=errors,
                           audiences=AUDIENCES), status


def _marquee_page(typed: Any, errors: dict[str, str], status: int = 200) -> ResponseReturnValue:
    lines = found(as_person("GET", "/api/courses/marquee-lines"))
    return render_template("operator/marquee.html", lines=lines, typed=typed, errors=errors), \
        status


def _editing_item() -> dict[str, Any]:
    """The item to change, when the page was opened from its Edit link."""
    item_id = request.args.get("edit")
    if not item_id:
        return {}
    item = found(as_person("GET", f"/api/courses/news-items/{_item_id(item_id)}"))
    return {**item, "shown_from": to_local_input(item.get("shown_from")),
            "shown_until": to_local_input(item.get("shown_until"))}


def _editing_line() -> dict[str, Any]:
    line_id = request.args.get("edit")
    if not line_id:
        return {}
    _item_id(line_id)
    lines = found(as_person("GET", "/api/courses/marquee-lines"))
    line = next((one for one in lines if one.get("id") == line_id), None)
    if line is None:
        abort(404)
    return {**line, "shown_from": to_local_input(line.get("shown_from")),
            "shown_until": to_local_input(line.get("shown_until"))}


def _window(form: Any) -> dict[str, Any]:
    window: dict[str, Any] = {"shown_from": from_local_input(form.get("shown_from", ""))}
    if form.get("shown_until"):
        window["shown_until"] = from_local_input(form["shown_until"])
    return window


def _number(value: str | None) -> Any:
    """A whole number as a number; anything else as typed, for the API to name it."""
    return int(value) if value and value.strip().isdigit() else value


def _item_id(item_id: str) -> str:
    if not ITEM_ID.match(item_id):
        abort(404)
    return item_id
