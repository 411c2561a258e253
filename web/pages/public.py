"""Pages for anyone: the front page and the language switch."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request
from flask.typing import ResponseReturnValue

from web.auth import safe_next
from web.i18n import LANGUAGE_COOKIE, LANGUAGES
from web.pages.news import latest

bp = Blueprint("public", __name__)
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600


@bp.get("/")
def home() -> ResponseReturnValue:
    return render_template("home.html", news=latest())


@bp.get("/lang/<language>")
def switch_language(language: str) -> ResponseReturnValue:
    """A link, not a form: choosing a language changes nothing but the pages' language."""
    response = redirect(safe_next(request.args.get("next")))
    if language in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=LANGUAGE_COOKIE_SECONDS,
                            path="/", samesite="Lax", httponly=True)
    return response


@bp.get("/favicon.ico")
def favicon() -> ResponseReturnValue:
    return redirect("/static/favicon.svg", code=301)
